package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** One entry of the version catalog (catalog.xrootd.org/v1alpha1). */
@Group(XrootdVersion.GROUP)
@Version(XrootdVersion.VERSION)
@Singular("xrootdversion")
@Plural("xrootdversions")
@ShortNames("xrdv")
@Categories("xrootd")
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
@JsonClassDescription("One entry of the XRootD version catalog. An Xrootd names it in spec.version (by the entry's metadata.name) to get its image.")
@AdditionalPrinterColumn(name = "Version", jsonPath = ".spec.version", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.image", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Deprecated", jsonPath = ".spec.deprecated", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class XrootdVersion implements HasMetadata, Namespaced {
    public static final String GROUP = "catalog.xrootd.org";
    public static final String VERSION = "v1alpha1";

    private String apiVersion = GROUP + "/" + VERSION;
    private String kind = "XrootdVersion";
    private ObjectMeta metadata = new ObjectMeta();

    @Required
    public Spec spec;

    public static class Spec {
        @Required
        @Size(min = 1)
        @JsonPropertyDescription("The XRootD release this image contains, e.g. 4.11.2.")
        public String version;

        @Required
        @Size(min = 1)
        @JsonPropertyDescription("Container image with xrootd, cmsd and the xrdfs client.")
        public String image;

        @Default("false")
        @JsonPropertyDescription("Marks a version that clusters should move away from.")
        public Boolean deprecated;
    }

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
