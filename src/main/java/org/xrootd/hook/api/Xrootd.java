package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** The Xrootd custom resource (xrootd.org/v1alpha1). */
@Group(Xrootd.GROUP)
@Version(Xrootd.VERSION)
@Singular("xrootd")
@Plural("xrootds")
@ShortNames("xrd")
@Categories("xrootd")
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
@JsonClassDescription("An XRootD cluster: redirectors (xrootd + cmsd, all.role manager) and workers (data servers, each with its own volume).")
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.version", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "XRootD version the cluster is driven to.")
@AdditionalPrinterColumn(name = "Redirectors", jsonPath = ".status.redirector.ready", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Ready redirector pods out of the desired number.")
@AdditionalPrinterColumn(name = "Workers", jsonPath = ".status.worker.ready", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Ready worker (data server) pods out of the desired number.")
@AdditionalPrinterColumn(name = "Connected", jsonPath = ".status.monitor.connected", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Workers the redirector that sees the fewest sees active, out of those expected (spec.monitor).")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = Rules.NAME_LENGTH, message = Rules.NAME_LENGTH_MESSAGE)
@ValidationRule(value = Rules.NAME_FORM, message = Rules.NAME_FORM_MESSAGE)
// The enumerations of the Kubernetes API that its OpenAPI schema leaves as plain strings: a pod template
// with any other value is refused by the API server, so the Xrootd is refused at once instead.
@SchemaSwap(originalType = Toleration.class, fieldName = "operator", targetType = Enums.TolerationOperator.class)
@SchemaSwap(originalType = Toleration.class, fieldName = "effect", targetType = Enums.TaintEffect.class)
@SchemaSwap(originalType = TopologySpreadConstraint.class, fieldName = "whenUnsatisfiable", targetType = Enums.WhenUnsatisfiable.class)
@SchemaSwap(originalType = TopologySpreadConstraint.class, fieldName = "nodeAffinityPolicy", targetType = Enums.InclusionPolicy.class)
@SchemaSwap(originalType = TopologySpreadConstraint.class, fieldName = "nodeTaintsPolicy", targetType = Enums.InclusionPolicy.class)
@SchemaSwap(originalType = NodeSelectorRequirement.class, fieldName = "operator", targetType = Enums.NodeSelectorOperator.class)
@SchemaSwap(originalType = LabelSelectorRequirement.class, fieldName = "operator", targetType = Enums.LabelSelectorOperator.class)
public class Xrootd implements HasMetadata, Namespaced {
    public static final String GROUP = "xrootd.org";
    public static final String VERSION = "v1alpha1";

    private String apiVersion = GROUP + "/" + VERSION;
    private String kind = "Xrootd";
    private ObjectMeta metadata = new ObjectMeta();

    @Required
    @JsonPropertyDescription("The desired cluster.")
    public XrootdSpecification spec;

    @JsonPropertyDescription("Observed state, computed by the hook from the StatefulSets it sees.")
    public XrootdStatus status;

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }
}
