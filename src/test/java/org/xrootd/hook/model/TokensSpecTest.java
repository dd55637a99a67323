package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Samples;

/** spec.tokens through SpecParser: defaults, every field, and each invalid value with its field path. */
class TokensSpecTest {
    private static ObjectNode parent(Consumer<ObjectNode> tokens) {
        ObjectNode parent = Samples.parent("tok");
        ObjectNode spec = Samples.spec(parent);
        spec.putObject("tls").put("secretName", "tok-tls");
        ObjectNode node = spec.putObject("tokens");
        ObjectNode issuer = node.putArray("issuers").addObject();
        issuer.put("name", "iam").put("issuer", "https://iam.example.org/").putArray("basePath").add("/data");
        tokens.accept(node);
        return parent;
    }

    private static List<String> problems(ObjectNode parent) {
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok(), "expected problems");
        return result.problems().stream().map(Problem::toString).toList();
    }

    private static void invalid(Consumer<ObjectNode> tokens, String field, String fragment) {
        List<String> problems = problems(parent(tokens));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(field + ": ") && p.contains(fragment)),
                "expected " + field + " ... " + fragment + " in " + problems);
    }

    @Test
    void absentMeansOffAndTheMinimalFormGetsTheDefaults() {
        assertNull(Samples.sample().security().tokens());
        TokenAuth tokens = Samples.model(parent(t -> { })).security().tokens();
        assertEquals(TokenAuth.OnMissing.DENY, tokens.onMissing());
        assertEquals(List.of(), tokens.audience());
        assertNull(tokens.caBundle());
        assertEquals(List.of(new TokenAuth.Issuer("iam", "https://iam.example.org/", List.of("/data"), List.of(), false, null)),
                tokens.issuers());
    }

    @Test
    void everyFieldIsRead() {
        TokenAuth tokens = Samples.model(parent(t -> {
            ObjectNode issuer = (ObjectNode) t.get("issuers").get(0);
            issuer.putArray("restrictedPath").add("/data/atlas").add("/data/cms");
            issuer.put("mapSubject", true).put("defaultUser", "xrootd");
            t.putArray("audience").add("https://tok.example.org:1094").add("https://wlcg.cern.ch/jwt/v1/any");
            t.put("onMissing", "Read");
            t.putObject("caBundle").put("configMap", "site-ca").put("key", "bundle.pem");
        })).security().tokens();
        assertEquals(new TokenAuth.Issuer("iam", "https://iam.example.org/", List.of("/data"), List.of("/data/atlas", "/data/cms"),
                true, "xrootd"), tokens.issuers().get(0));
        assertEquals(List.of("https://tok.example.org:1094", "https://wlcg.cern.ch/jwt/v1/any"), tokens.audience());
        assertEquals(TokenAuth.OnMissing.READ, tokens.onMissing());
        assertEquals(new TokenAuth.CaBundle(false, "site-ca", "bundle.pem"), tokens.caBundle());
        TokenAuth secret = Samples.model(parent(t -> t.putObject("caBundle").put("secret", "site-ca"))).security().tokens();
        assertEquals(new TokenAuth.CaBundle(true, "site-ca", "ca.crt"), secret.caBundle());
    }

    @Test
    void tokensNeedTlsAndExcludeSss() {
        ObjectNode noTls = parent(t -> { });
        Samples.spec(noTls).remove("tls");
        assertTrue(problems(noTls).stream().anyMatch(p -> p.startsWith("spec.tokens: needs spec.tls")), problems(noTls).toString());
        ObjectNode withSss = parent(t -> { });
        Samples.spec(withSss).putObject("sss").put("secretName", "keytab");
        assertTrue(problems(withSss).stream().anyMatch(p -> p.startsWith("spec.tokens: cannot be combined with spec.sss")));
    }

    @Test
    void invalidValuesNameTheirField() {
        invalid(t -> t.putArray("issuers"), "spec.tokens.issuers", "at least one issuer");
        invalid(t -> t.remove("issuers"), "spec.tokens.issuers", "at least one issuer");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).put("issuer", "http://iam.example.org"),
                "spec.tokens.issuers[0].issuer", "https://");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).put("issuer", "https://iam.example.org/?x=1"),
                "spec.tokens.issuers[0].issuer", "https://");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).remove("basePath"), "spec.tokens.issuers[0].basePath", "required");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).putArray("basePath").add("data"),
                "spec.tokens.issuers[0].basePath[0]", "absolute path");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).putArray("basePath").add("/a,/b"),
                "spec.tokens.issuers[0].basePath[0]", "','");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).put("name", "has space"), "spec.tokens.issuers[0].name", "letters");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).put("defaultUser", "Root!"), "spec.tokens.issuers[0].defaultUser",
                "Unix user");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).put("mapSubject", "yes"), "spec.tokens.issuers[0].mapSubject", "true or false");
        invalid(t -> ((ObjectNode) t.get("issuers").get(0)).put("bogus", 1), "spec.tokens.issuers[0].bogus", "is not a field");
        invalid(t -> t.withArray("issuers").add(t.get("issuers").get(0).deepCopy()), "spec.tokens.issuers", "names two issuers");
        invalid(t -> t.put("onMissing", "Allow"), "spec.tokens.onMissing", "Deny or Read");
        invalid(t -> t.putArray("audience").add("two words"), "spec.tokens.audience[0]", "whitespace");
        invalid(t -> t.putObject("caBundle"), "spec.tokens.caBundle", "exactly one of configMap and secret");
        invalid(t -> t.putObject("caBundle").put("configMap", "a").put("secret", "b"), "spec.tokens.caBundle",
                "exactly one of configMap and secret");
        invalid(t -> t.putObject("caBundle").put("secret", "Not_A_Name"), "spec.tokens.caBundle.secret", "not a valid object name");
        invalid(t -> t.putObject("caBundle").put("secret", "ca").put("key", "a/b"), "spec.tokens.caBundle.key", "not a valid");
        invalid(t -> t.put("extra", true), "spec.tokens.extra", "is not a field");
    }
}
