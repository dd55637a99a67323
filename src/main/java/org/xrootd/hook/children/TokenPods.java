package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.TokenAuth;
import org.xrootd.hook.model.XrootdSpec;

/**
 * What spec.tokens.caBundle adds to the pods. scitokens-cpp 0.7.3 (the operand image's) fetches the issuers'
 * keys trusting only the system CA bundle, /etc/ssl/certs/ca-certificates.crt: it reads neither SSL_CERT_FILE
 * nor X509_CERT_FILE nor CURL_CA_BUNDLE. So an init container copies the image's /etc/ssl/certs into an
 * emptyDir with the bundle extended by the issuers' CA, and the xrootd container mounts that emptyDir over
 * /etc/ssl/certs (read-only). The root filesystem stays read-only; no subPath (whose file a later update
 * would not refresh: a change of the CA rolls the pods instead, through the secrets hash).
 */
public final class TokenPods {
    /** Where the init container and start.sh find the CA bundle. */
    public static final String TOKEN_CA_DIR = "/etc/xrootd-secrets/token-ca";
    public static final String TOKEN_CA_FILE = TOKEN_CA_DIR + "/ca.crt";
    /** The system CA directory of the operand image (Debian), which the xrootd container gets extended. */
    public static final String SYSTEM_CERTS_DIR = "/etc/ssl/certs";
    /** The extended copy, where the init container writes it. */
    public static final String CERTS_STAGING_DIR = "/xrootd/system-certs";
    public static final String TOKEN_CA_VOLUME = "token-ca";
    public static final String CERTS_VOLUME = "system-certs";
    public static final String INIT_CONTAINER = "ca-bundle";

    /**
     * With spec.tokens every xroot login needs TLS (ztn makes XRootD 5.5.3 require it of every TLS-capable
     * client, which every 5.x client is), and XrdCl always verifies the server's name: the probes' xrdfs
     * cannot use localhost. It connects to the pod's own name (the FQDN the kubelet writes into /etc/hosts,
     * which the spec.tls certificate's wildcard for the headless Service covers) and trusts the CAs start.sh
     * collects here: the certificates of tls.crt (a self-signed one is its own CA) and the caBundle.
     */
    public static final String PROBE_CA_DIR = PodLayout.ADMIN_DIR + "/probe-ca";
    /** The environment variable start.sh exports the pod's FQDN in, for xrootd.cf's sec.protbind of the probes. */
    public static final String POD_FQDN_ENV = "XRD_POD_FQDN";

    private TokenPods() {}

    static boolean on(XrootdSpec spec) {
        return spec.security().tokens() != null;
    }

    /**
     * The probes' xrdfs command up to the query: localhost without tokens, the pod's own name over verified
     * TLS with them.
     */
    static String xrdfs(XrootdSpec spec) {
        if (!on(spec)) {
            return "xrdfs localhost:" + spec.ports().xrootd();
        }
        return "X509_CERT_DIR=" + PROBE_CA_DIR + " xrdfs \"$(hostname -f)\":" + spec.ports().xrootd();
    }

    static TokenAuth.CaBundle caBundle(XrootdSpec spec) {
        return spec.security().tokens() == null ? null : spec.security().tokens().caBundle();
    }

    /** The CA bundle's volume and the emptyDir for the extended system CAs. */
    static void volumes(XrootdSpec spec, ArrayNode volumes) {
        TokenAuth.CaBundle ca = caBundle(spec);
        if (ca == null) {
            return;
        }
        ObjectNode source = volumes.addObject();
        source.put("name", TOKEN_CA_VOLUME);
        ObjectNode object = source.putObject(ca.secret() ? "secret" : "configMap");
        // Public certificates: readable by anyone (the init container runs as the daemons' user).
        object.put("defaultMode", 0444);
        object.putArray("items").addObject().put("key", ca.key()).put("path", "ca.crt");
        object.put(ca.secret() ? "secretName" : "name", ca.name());
        ObjectNode certs = volumes.addObject();
        certs.putObject("emptyDir");
        certs.put("name", CERTS_VOLUME);
    }

    /** The xrootd container's mount of the extended system CAs. */
    static void xrootdMounts(XrootdSpec spec, ArrayNode mounts) {
        if (caBundle(spec) != null) {
            mounts.addObject().put("mountPath", SYSTEM_CERTS_DIR).put("name", CERTS_VOLUME).put("readOnly", true);
        }
    }

    /**
     * The init container that writes the extended system CAs ({@code start.sh ca-bundle}), in the operand
     * image with the daemons' identity and restrictions; null without a CA bundle.
     */
    static ObjectNode initContainer(XrootdSpec spec, Catalog.Resolved image, Object resources) {
        if (caBundle(spec) == null) {
            return null;
        }
        ObjectNode container = JsonTrees.object();
        container.set("command", JsonTrees.strings("/bin/sh", PodLayout.START_SCRIPT, INIT_CONTAINER));
        ArrayNode env = container.putArray("env");
        env.addObject().put("name", "XRD_TOKEN_CA").put("value", TOKEN_CA_FILE);
        env.addObject().put("name", "XRD_SYSTEM_CERTS").put("value", CERTS_STAGING_DIR);
        container.put("image", image.image());
        container.put("imagePullPolicy", spec.imagePullPolicy());
        container.put("name", INIT_CONTAINER);
        if (resources != null) {
            container.set("resources", org.xrootd.hook.json.Json.MAPPER.valueToTree(resources));
        }
        ObjectNode security = container.putObject("securityContext");
        security.put("allowPrivilegeEscalation", false);
        security.putObject("capabilities").set("drop", JsonTrees.strings("ALL"));
        security.put("readOnlyRootFilesystem", spec.security().readOnlyRootFilesystem());
        ArrayNode mounts = container.putArray("volumeMounts");
        mounts.addObject().put("mountPath", PodLayout.CONFIG_DIR).put("name", PodLayout.CONFIG_VOLUME).put("readOnly", true);
        mounts.addObject().put("mountPath", CERTS_STAGING_DIR).put("name", CERTS_VOLUME);
        mounts.addObject().put("mountPath", TOKEN_CA_DIR).put("name", TOKEN_CA_VOLUME).put("readOnly", true);
        return container;
    }
}
