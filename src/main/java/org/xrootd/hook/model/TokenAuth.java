package org.xrootd.hook.model;

import java.util.List;

/**
 * spec.tokens, validated: the issuers the scitokens plugin trusts, the audiences a token must name, what a
 * request without a valid token gets, and where the issuers' CA bundle comes from (null: the image's
 * system bundle only).
 */
public record TokenAuth(List<Issuer> issuers, List<String> audience, OnMissing onMissing, CaBundle caBundle) {

    /** One [Issuer NAME] section of scitokens.cfg. {@code defaultUser} null: none. */
    public record Issuer(String name, String issuer, List<String> basePath, List<String> restrictedPath, boolean mapSubject,
                         String defaultUser) {}

    /** Deny: no token, no access (the plugin's onmissing = deny). Read: fall back to the default authorization (passthrough). */
    public enum OnMissing { DENY, READ }

    /** A ConfigMap ({@code secret} false) or Secret holding a PEM bundle under {@code key}. */
    public record CaBundle(boolean secret, String name, String key) {
        /** The related-object field that names it, for messages. */
        public String field() {
            return secret ? "spec.tokens.caBundle.secret" : "spec.tokens.caBundle.configMap";
        }
    }
}
