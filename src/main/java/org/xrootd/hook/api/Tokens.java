package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * spec.tokens: WLCG / SciTokens bearer-token authorization (xrootd's libXrdAccSciTokens), over HTTPS and
 * roots:// (the ztn protocol). Its own class so that the rest of the spec stays as it is.
 */
public class Tokens {
    /** An issuer's section name in scitokens.cfg ([Issuer NAME]). */
    public static final String ISSUER_NAME = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";
    /** An issuer URL: https only (the plugin fetches its keys from there). */
    public static final String ISSUER_URL = "^https://[^\\s/?#]+(/[^\\s?#]*)?$";
    /** A path the plugin maps a token's scopes under: absolute, no whitespace or comma (the file's list separator). */
    public static final String TOKEN_PATH = "^/[^\\s,]*$";
    /** An audience: no whitespace or comma. */
    public static final String AUDIENCE = "^[^\\s,]+$";
    /** A Unix user name for default_user. */
    public static final String USER = "^[a-z_][a-z0-9_.-]*$";

    public enum OnMissing { Deny, Read }

    @Required
    @Size(min = 1, max = 16)
    @ValidationRule(value = "self.all(i, self.exists_one(j, j.name == i.name))", message = "issuer names must be unique")
    @JsonPropertyDescription("The token issuers the cluster trusts, each a section of the plugin's scitokens.cfg.")
    public List<Issuer> issuers;

    @Size(max = 16)
    @JsonPropertyDescription("Audiences a token must name in its aud claim (one of them), e.g. the cluster's public URL "
            + "https://xrootd.example.org:1094 or the WLCG 'any' audience https://wlcg.cern.ch/jwt/v1/any. Empty: tokens with "
            + "any audience are accepted.")
    public List<@Size(min = 1, max = 256) @Pattern(AUDIENCE) String> audience;

    @Default("Deny")
    @JsonPropertyDescription("A request without a valid token. Deny: refused (HTTP 403; roots:// and root:// clients must "
            + "log in with a token, ztn). Read: it falls back to the default authorization (onmissing = passthrough), "
            + "which lets anyone read and list the exports; writing always needs a token.")
    public OnMissing onMissing;

    @JsonPropertyDescription("CA certificates (PEM) that sign the issuers' HTTPS certificates, when those are not in the "
            + "operand image's system bundle: added to the container's system bundle at start (scitokens-cpp trusts nothing "
            + "else). A change rolls the pods.")
    public CaBundle caBundle;

    public static class Issuer {
        @Required
        @Size(min = 1, max = 63)
        @Pattern(ISSUER_NAME)
        @JsonPropertyDescription("Name of the issuer's section ([Issuer NAME]), for logs.")
        public String name;

        @Required
        @Size(min = 9, max = 512)
        @Pattern(ISSUER_URL)
        @JsonPropertyDescription("The issuer URL, exactly as in the tokens' iss claim (https://...); the plugin fetches "
                + "<issuer>/.well-known/openid-configuration and its keys from there.")
        public String issuer;

        @Required
        @Size(min = 1, max = 16)
        @JsonPropertyDescription("Where the token's scopes apply (base_path): storage.read:/sub on base path /data grants "
                + "/data/sub. Usually an export.")
        public List<@Size(min = 1, max = 512) @Pattern(TOKEN_PATH) String> basePath;

        @Size(max = 16)
        @JsonPropertyDescription("Paths under the base path the issuer's tokens are limited to (restricted_path), whatever "
                + "their scopes say.")
        public List<@Size(min = 1, max = 512) @Pattern(TOKEN_PATH) String> restrictedPath;

        @Default("false")
        @JsonPropertyDescription("Map the token's sub claim to the Unix user the request runs as (map_subject).")
        public Boolean mapSubject;

        @Size(min = 1, max = 32)
        @Pattern(USER)
        @JsonPropertyDescription("Unix user the issuer's requests run as (default_user), when mapSubject is off.")
        public String defaultUser;
    }

    @ValidationRule(value = "has(self.configMap) != has(self.secret)", message = "name exactly one of configMap and secret")
    public static class CaBundle {
        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("ConfigMap holding the CA bundle, in the Xrootd's namespace (e.g. one trust-manager writes).")
        public String configMap;

        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("Secret holding the CA bundle, in the Xrootd's namespace (e.g. cert-manager's ca.crt).")
        public String secret;

        @Default("ca.crt")
        @Size(min = 1, max = 253)
        @Pattern(Patterns.SECRET_KEY)
        @JsonPropertyDescription("Key of the PEM bundle in that ConfigMap or Secret.")
        public String key;
    }
}
