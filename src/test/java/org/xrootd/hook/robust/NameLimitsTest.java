package org.xrootd.hook.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.testkit.ConfigReader;

/**
 * The longest parent name the hook accepts, in the longest namespace and with the most replicas, gives
 * children and pods whose names, labels and DNS names all fit Kubernetes' limits; one character more is
 * refused with InvalidSpec rather than shortened (names stay predictable, and a later change of rule can
 * never rename, and so delete, a running StatefulSet).
 */
class NameLimitsTest {
    static final Pattern DNS_1035 = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
    static final Pattern DNS_1123 = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    /** The StatefulSet controller labels pods with NAME-REVISION, a 10-character hash. */
    static final int REVISION_SUFFIX = 11;

    static ObjectNode spec() {
        ObjectNode spec = Json.MAPPER.createObjectNode();
        spec.put("version", "4.11.2");
        spec.put("image", "qserv/xrootd:v4.11.2");
        spec.putObject("redirector").put("replicas", SpecParser.MAX_REDIRECTORS);
        spec.putObject("worker").put("replicas", SpecParser.MAX_WORKERS);
        return spec;
    }

    static JsonNode sync(String name, String namespace) {
        ObjectNode parent = Cluster.parent(name, spec(), 1, Cluster.CREATED);
        ((ObjectNode) parent.get("metadata")).put("namespace", namespace);
        return Cluster.respond(Cluster.request(parent, List.of(), null, false, false));
    }

    @Test
    void theLongestAcceptedNameFitsEveryLimit() {
        String name = "x" + "a".repeat(SpecParser.MAX_NAME_LENGTH - 2) + "9";
        String namespace = "n".repeat(63);
        JsonNode response = sync(name, namespace);
        assertTrue(response.get("children").size() >= 6, "every child is built");
        for (JsonNode child : response.get("children")) {
            String kind = child.get("kind").asText();
            String childName = child.at("/metadata/name").asText();
            assertTrue(childName.length() <= 63 && DNS_1035.matcher(childName).matches(), kind + " " + childName);
            child.at("/metadata/labels").forEach(value -> assertTrue(value.asText().length() <= 63, childName + " label " + value));
            if (kind.equals("StatefulSet")) {
                int replicas = child.at("/spec/replicas").asInt();
                assertTrue(childName.length() + REVISION_SUFFIX <= 63, "controller-revision-hash of " + childName);
                String lastPod = childName + "-" + (replicas - 1);
                assertTrue(lastPod.length() <= 63 && DNS_1123.matcher(lastPod).matches(), "pod " + lastPod);
                child.at("/spec/template/metadata/labels").forEach(value -> assertTrue(value.asText().length() <= 63));
            }
            if (kind.equals("ConfigMap")) {
                // Every cmsd's list; the last redirector's xrootd asks its own pod by the same name (POD_NAME).
                String config = child.at("/data/xrootd.cf").asText();
                List<String> managers = ConfigReader.managers(config, "cmsd", "worker", Map.of("POD_NAME", "w"));
                String last = managers.get(managers.size() - 1);
                Map<String, String> lastPod = Map.of("POD_NAME", last.substring(0, last.indexOf('.')));
                assertEquals(List.of(last), ConfigReader.managers(config, "xrootd", "manager", lastPod));
                for (String manager : managers) {
                    String host = manager.substring(0, manager.lastIndexOf(':'));
                    assertTrue(host.length() <= 253, host);
                    for (String label : host.split("\\.")) {
                        assertTrue(label.length() <= 63 && DNS_1123.matcher(label).matches(), "DNS label " + label);
                    }
                }
            }
        }
    }

    @Test
    void oneCharacterMoreIsRefusedWithAClearCondition() {
        String name = "a".repeat(SpecParser.MAX_NAME_LENGTH + 1);
        JsonNode response = sync(name, "default");
        assertEquals(0, response.get("children").size());
        JsonNode ready = response.at("/status/conditions/0");
        assertEquals("InvalidSpec", ready.get("reason").asText());
        assertTrue(ready.get("message").asText().contains("metadata.name"), ready.toString());
        assertTrue(ready.get("message").asText().contains("at most " + SpecParser.MAX_NAME_LENGTH), ready.toString());
    }
}
