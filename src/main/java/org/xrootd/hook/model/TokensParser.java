package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.xrootd.hook.api.Tokens;

/**
 * spec.tokens into a {@link TokenAuth}: the checks of the schema ({@link Tokens}) again, for clusters without
 * CEL and objects applied without validation, plus the rules between fields (TLS required, no sss).
 */
final class TokensParser {
    static final int MAX_ISSUERS = 16;
    static final int MAX_PATHS = 16;
    static final String DEFAULT_CA_KEY = "ca.crt";
    private static final Set<String> FIELDS = Set.of("issuers", "audience", "onMissing", "caBundle");
    private static final Set<String> ISSUER_FIELDS = Set.of("name", "issuer", "basePath", "restrictedPath", "mapSubject", "defaultUser");
    private static final Set<String> CA_FIELDS = Set.of("configMap", "secret", "key");
    private static final Pattern ISSUER_NAME = Pattern.compile(Tokens.ISSUER_NAME);
    private static final Pattern ISSUER_URL = Pattern.compile(Tokens.ISSUER_URL);
    private static final Pattern TOKEN_PATH = Pattern.compile(Tokens.TOKEN_PATH);
    private static final Pattern AUDIENCE = Pattern.compile(Tokens.AUDIENCE);
    private static final Pattern USER = Pattern.compile(Tokens.USER);
    private static final Pattern SECRET_KEY = Pattern.compile(org.xrootd.hook.api.Patterns.SECRET_KEY);

    private final Consumer<Problem> problems;
    private int count;

    private TokensParser(Consumer<Problem> problems) {
        this.problems = problems;
    }

    /** spec.tokens, or null when absent; problems go to {@code problems}. */
    static TokenAuth parse(JsonNode spec, Consumer<Problem> problems) {
        return new TokensParser(problems).read(spec);
    }

    private void problem(String field, String message) {
        count++;
        problems.accept(new Problem(field, message));
    }

    private TokenAuth read(JsonNode spec) {
        JsonNode node = spec.get("tokens");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problem("spec.tokens", "must be an object");
            return null;
        }
        known(node, "spec.tokens", FIELDS);
        JsonNode tls = spec.get("tls");
        if (tls == null || tls.isNull()) {
            problem("spec.tokens", "needs spec.tls: tokens travel only over TLS (HTTPS, and roots:// with the ztn protocol);"
                    + " add spec.tls.secretName");
        }
        JsonNode sss = spec.get("sss");
        if (sss != null && !sss.isNull()) {
            problem("spec.tokens", "cannot be combined with spec.sss: sss requires sss of every xroot client and turns HTTP off,"
                    + " tokens need ztn and HTTPS");
        }
        List<TokenAuth.Issuer> issuers = new ArrayList<>();
        JsonNode list = node.get("issuers");
        if (list == null || !list.isArray() || list.isEmpty()) {
            problem("spec.tokens.issuers", "must list at least one issuer");
        } else if (list.size() > MAX_ISSUERS) {
            problem("spec.tokens.issuers", "lists " + list.size() + " issuers; at most " + MAX_ISSUERS);
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                TokenAuth.Issuer issuer = issuer(list.get(i), "spec.tokens.issuers[" + i + "]");
                if (issuer != null && !names.add(issuer.name())) {
                    problem("spec.tokens.issuers", "issuer names must be unique: '" + issuer.name() + "' names two issuers");
                }
                issuers.add(issuer);
            }
        }
        List<String> audience = strings(node.get("audience"), "spec.tokens.audience", AUDIENCE, 256,
                "must not contain whitespace or ','", false);
        TokenAuth.OnMissing onMissing = TokenAuth.OnMissing.DENY;
        JsonNode missing = node.get("onMissing");
        if (missing != null && !missing.isNull()) {
            if ("Deny".equals(missing.asText(null)) && missing.isTextual()) {
                onMissing = TokenAuth.OnMissing.DENY;
            } else if ("Read".equals(missing.asText(null)) && missing.isTextual()) {
                onMissing = TokenAuth.OnMissing.READ;
            } else {
                problem("spec.tokens.onMissing", "must be Deny or Read");
            }
        }
        TokenAuth.CaBundle ca = caBundle(node.get("caBundle"));
        return count > 0 ? null : new TokenAuth(List.copyOf(issuers), audience, onMissing, ca);
    }

    private TokenAuth.Issuer issuer(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            problem(field, "must be an object");
            return null;
        }
        known(node, field, ISSUER_FIELDS);
        String name = text(node, "name", field + ".name", true);
        if (name != null && (name.length() > 63 || !ISSUER_NAME.matcher(name).matches())) {
            problem(field + ".name", "'" + Problem.excerpt(name) + "' must be at most 63 letters, digits, '_', '.' or '-'");
        }
        String url = text(node, "issuer", field + ".issuer", true);
        if (url != null && (url.length() > 512 || !ISSUER_URL.matcher(url).matches())) {
            problem(field + ".issuer", "'" + Problem.excerpt(url) + "' must be an https:// URL without query or fragment"
                    + " (the plugin fetches the issuer's keys from it)");
        }
        List<String> basePath = strings(node.get("basePath"), field + ".basePath", TOKEN_PATH, 512,
                "must be an absolute path without whitespace or ','", true);
        List<String> restricted = strings(node.get("restrictedPath"), field + ".restrictedPath", TOKEN_PATH, 512,
                "must be an absolute path without whitespace or ','", false);
        boolean mapSubject = false;
        JsonNode map = node.get("mapSubject");
        if (map != null && !map.isNull()) {
            if (!map.isBoolean()) {
                problem(field + ".mapSubject", "must be true or false");
            } else {
                mapSubject = map.asBoolean();
            }
        }
        String user = text(node, "defaultUser", field + ".defaultUser", false);
        if (user != null && (user.length() > 32 || !USER.matcher(user).matches())) {
            problem(field + ".defaultUser", "'" + Problem.excerpt(user) + "' is not a Unix user name");
        }
        return new TokenAuth.Issuer(name, url, basePath, restricted, mapSubject, user);
    }

    private TokenAuth.CaBundle caBundle(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problem("spec.tokens.caBundle", "must be an object");
            return null;
        }
        known(node, "spec.tokens.caBundle", CA_FIELDS);
        String configMap = text(node, "configMap", "spec.tokens.caBundle.configMap", false);
        String secret = text(node, "secret", "spec.tokens.caBundle.secret", false);
        String key = text(node, "key", "spec.tokens.caBundle.key", false);
        key = key == null ? DEFAULT_CA_KEY : key;
        if (!SECRET_KEY.matcher(key).matches() || key.length() > 253) {
            problem("spec.tokens.caBundle.key", "'" + Problem.excerpt(key) + "' is not a valid ConfigMap or Secret key");
        }
        if ((configMap == null) == (secret == null)) {
            problem("spec.tokens.caBundle", "name exactly one of configMap and secret");
            return null;
        }
        String name = configMap != null ? configMap : secret;
        if (!KubernetesValues.isDnsSubdomain(name)) {
            problem(configMap != null ? "spec.tokens.caBundle.configMap" : "spec.tokens.caBundle.secret",
                    "'" + Problem.excerpt(name) + "' is not a valid object name");
        }
        return new TokenAuth.CaBundle(secret != null, name, key);
    }

    private List<String> strings(JsonNode node, String field, Pattern pattern, int maxLength, String rule, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                problem(field, "is required: at least one path");
            }
            return List.of();
        }
        if (!node.isArray() || (required && node.isEmpty())) {
            problem(field, required ? "must be a non-empty list" : "must be a list");
            return List.of();
        }
        if (node.size() > MAX_PATHS) {
            problem(field, "lists " + node.size() + " entries; at most " + MAX_PATHS);
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String value = item.isTextual() ? item.asText() : null;
            if (value == null || value.isEmpty() || value.length() > maxLength || !pattern.matcher(value).matches()) {
                problem(field + "[" + i + "]", "'" + Problem.excerpt(item.asText(item.toString())) + "' " + rule
                        + " (at most " + maxLength + " characters)");
            } else if (out.contains(value)) {
                problem(field + "[" + i + "]", "'" + Problem.excerpt(value) + "' is listed twice");
            } else {
                out.add(value);
            }
        }
        return List.copyOf(out);
    }

    private String text(JsonNode parent, String key, String field, boolean required) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problem(field, "must be a non-empty string");
            return null;
        }
        return node.asText();
    }

    private void known(JsonNode node, String field, Set<String> fields) {
        node.fieldNames().forEachRemaining(name -> {
            if (!fields.contains(name)) {
                problem(field + "." + Problem.excerpt(name, 63), "is not a field of " + field);
            }
        });
    }
}
