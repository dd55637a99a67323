package org.xrootd.hook.metacontroller;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Problem;

/**
 * A sync, finalize or customize request as Metacontroller sends it (its CompositeHookRequest). Only the shape is
 * checked here; what the parent's spec means is the model's business.
 */
public record HookRequest(ObjectNode parent, ObservedChildren children, JsonNode related, boolean finalizing,
                          Set<String> declaredChildren) {

    /**
     * "apiVersion/resource" of every child type the CompositeController declares, or null when the request
     * does not say (then every kind is assumed declared). A child of an undeclared type must never be
     * returned: Metacontroller has no informer for it and would try to create it on every sync.
     */
    public boolean declares(String apiVersion, String resource) {
        return declaredChildren == null || declaredChildren.contains(apiVersion + "/" + resource);
    }

    public static HookRequest parse(byte[] body) throws BadRequestException {
        return parse(body, RequestReader::read);
    }

    /** How a body becomes a tree: {@link RequestReader#read}, or a test's reference reader. */
    interface Reader {
        RequestReader.Result read(byte[] body) throws IOException;
    }

    static HookRequest parse(byte[] body, Reader reader) throws BadRequestException {
        RequestReader.Result read = readJson(body, reader);
        JsonNode root = read.root();
        if (!root.isObject()) {
            throw new BadRequestException("the request body must be a JSON object with a 'parent'");
        }
        JsonNode parent = root.get("parent");
        if (parent == null || !parent.isObject()) {
            throw new BadRequestException("'parent' must be an object (the Xrootd resource)");
        }
        JsonNode metadata = parent.get("metadata");
        if (metadata == null || !metadata.isObject()) {
            throw new BadRequestException("'parent.metadata' must be an object");
        }
        JsonNode name = metadata.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new BadRequestException("'parent.metadata.name' must be a non-empty string");
        }
        JsonNode namespace = metadata.get("namespace");
        if (namespace != null && !namespace.isNull() && !namespace.isTextual()) {
            throw new BadRequestException("'parent.metadata.namespace' must be a string");
        }
        JsonNode finalizing = root.get("finalizing");
        if (finalizing != null && !finalizing.isNull() && !finalizing.isBoolean()) {
            throw new BadRequestException("'finalizing' must be a boolean");
        }
        JsonNode related = objectMap(root, "related");
        JsonNode children = objectMap(root, "children");
        checkChildren(children, metadata.path("uid"));
        return new HookRequest((ObjectNode) parent, ObservedChildren.of(children, read.lastApplied(), read.observed()),
                related, finalizing != null && finalizing.asBoolean(false), declaredChildren(root.path("controller")));
    }

    private static Set<String> declaredChildren(JsonNode controller) {
        JsonNode rules = controller.path("spec").path("childResources");
        if (!rules.isArray()) {
            return null;
        }
        Set<String> declared = new TreeSet<>();
        for (JsonNode rule : rules) {
            declared.add(rule.path("apiVersion").asText() + "/" + rule.path("resource").asText());
        }
        return declared;
    }

    /**
     * Children are keyed "Kind.apiVersion", each object appears once, and Metacontroller sends only those its
     * parent controls. A request that breaks one of these rules did not come from Metacontroller, and
     * answering it with a child set could have Metacontroller delete or overwrite an object that belongs to
     * someone else: refuse it.
     */
    private static void checkChildren(JsonNode children, JsonNode parentUid) throws BadRequestException {
        var kinds = children.fields();
        while (kinds.hasNext()) {
            var kind = kinds.next();
            int dot = kind.getKey().indexOf('.');
            if (dot <= 0 || dot == kind.getKey().length() - 1) {
                throw new BadRequestException("'children' key '" + Problem.excerpt(kind.getKey())
                        + "' is not of the form Kind.apiVersion (e.g. StatefulSet.apps/v1)");
            }
            if (!kind.getValue().isObject()) {
                continue;
            }
            Map<String, String> keyByIdentity = new HashMap<>();
            var objects = kind.getValue().fields();
            while (objects.hasNext()) {
                var object = objects.next();
                String name = ObservedChildren.nameOf(object.getKey(), object.getValue());
                String identity = object.getValue().path("metadata").path("namespace").asText("") + "/" + name;
                String other = keyByIdentity.put(identity, object.getKey());
                if (other != null) {
                    throw new BadRequestException("'children." + Problem.excerpt(kind.getKey()) + "' lists '"
                            + Problem.excerpt(name) + "' twice (keys '" + Problem.excerpt(other) + "' and '"
                            + Problem.excerpt(object.getKey()) + "')");
                }
                if (!parentUid.isTextual()) {
                    continue;
                }
                for (JsonNode owner : object.getValue().path("metadata").path("ownerReferences")) {
                    if (owner.path("controller").asBoolean(false) && owner.path("uid").isTextual()
                            && !owner.path("uid").asText().equals(parentUid.asText())) {
                        throw new BadRequestException("'children." + Problem.excerpt(kind.getKey()) + "."
                                + Problem.excerpt(object.getKey()) + "' is controlled by uid "
                                + Problem.excerpt(owner.path("uid").asText()) + ", not by this parent (uid "
                                + Problem.excerpt(parentUid.asText()) + "); Metacontroller never sends another controller's objects");
                    }
                }
            }
        }
    }

    /** Reads JSON strictly: UTF-8 only, one value, no duplicate keys, no NaN, within the parser's limits. */
    static RequestReader.Result readJson(byte[] body) throws BadRequestException {
        return readJson(body, RequestReader::read);
    }

    private static RequestReader.Result readJson(byte[] body, Reader reader) throws BadRequestException {
        if (body == null || body.length == 0) {
            throw new BadRequestException("the request body is empty");
        }
        checkUtf8(body);
        try {
            RequestReader.Result read = reader.read(body);
            if (read.root() == null || read.root().isMissingNode()) {
                throw new BadRequestException("the request body is empty");
            }
            return read;
        } catch (JacksonException e) {
            throw new BadRequestException("the request body is not valid JSON: " + Problem.excerpt(readable(e), 300));
        } catch (IOException e) {
            throw new BadRequestException("the request body could not be read");
        }
    }

    /** Jackson's words, without the name of the feature that refused a duplicate key. */
    private static String readable(JacksonException e) {
        String message = e.getOriginalMessage();
        int feature = message == null ? -1 : message.indexOf(" for `ObjectNode`: not allowed when");
        if (message != null && message.startsWith("Duplicate field ") && feature > 0) {
            return "duplicate key " + message.substring("Duplicate field ".length(), feature)
                    + (e.getLocation() == null ? "" : " near line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        }
        return message;
    }

    /**
     * JSON on the wire is UTF-8 (RFC 8259). Jackson's own decoder lets some malformed sequences through
     * (overlong forms, encoded surrogates) and guesses UTF-16 or UTF-32 from NUL bytes, so the body is
     * checked first with the JDK's strict decoder, a block at a time. A raw NUL byte is never valid JSON.
     */
    static void checkUtf8(byte[] body) throws BadRequestException {
        for (int i = 0; i < Math.min(4, body.length); i++) {
            if (body[i] == 0) {
                throw new BadRequestException("the request body is not UTF-8 JSON (NUL byte at offset " + i + ")");
            }
        }
        if (ascii(body)) {
            return;   // every byte below 0x80: valid UTF-8 as it stands, nothing to decode
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                throw new BadRequestException("the request body is not valid UTF-8 (at byte offset " + in.position() + ")");
            }
            if (result.isUnderflow()) {
                break;
            }
            out.clear();
        }
        CoderResult result = decoder.flush(out.clear());
        if (result.isError()) {
            throw new BadRequestException("the request body is not valid UTF-8 (it ends inside a character)");
        }
    }

    /** Whether every byte is ASCII (what Kubernetes objects nearly always are): then it is UTF-8 as well. */
    static boolean ascii(byte[] body) {
        int bits = 0;
        for (byte b : body) {
            bits |= b;
        }
        return bits >= 0;
    }

    /** A map of kind to (key to object), as children and related are; absent or null means empty. */
    private static JsonNode objectMap(JsonNode root, String field) throws BadRequestException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return Json.MAPPER.createObjectNode();
        }
        if (!node.isObject()) {
            throw new BadRequestException("'" + field + "' must be an object keyed by Kind.apiVersion");
        }
        var kinds = node.fields();
        while (kinds.hasNext()) {
            var kind = kinds.next();
            if (kind.getValue().isNull()) {
                continue;
            }
            if (!kind.getValue().isObject()) {
                throw new BadRequestException("'" + field + "." + Problem.excerpt(kind.getKey()) + "' must be an object of objects");
            }
            var objects = kind.getValue().fields();
            while (objects.hasNext()) {
                var object = objects.next();
                if (!object.getValue().isObject()) {
                    throw new BadRequestException("'" + field + "." + Problem.excerpt(kind.getKey()) + "." + Problem.excerpt(object.getKey()) + "' must be an object");
                }
            }
        }
        return node;
    }
}
