package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/**
 * {@link XrootdConf#rendered} keeps the rendering of recent specs: an equal spec (a resync) gets the
 * same files without rendering, and any change of the spec renders again, never an answer for another
 * spec. The oracle is rendering from scratch ({@link XrootdConf#renderedNow}).
 */
class RenderedCacheTest {
    @Test
    void anEqualSpecGetsTheKeptRenderingAndEveryChangeRendersAgain() {
        ObjectNode parent = Samples.parent("cache");
        XrootdSpec first = Samples.model(parent);
        XrootdConf.Rendered kept = XrootdConf.rendered(first);
        // A resync: the same request parsed again is an equal, not the same, spec.
        assertSame(kept, XrootdConf.rendered(Samples.model(parent)));

        List<Consumer<ObjectNode>> changes = List.of(
                spec -> ((ObjectNode) spec.get("worker")).put("replicas", 65),
                spec -> ((ObjectNode) spec.get("redirector")).put("replicas", 3),
                spec -> ((ObjectNode) spec.get("worker").get("storage")).put("capacity", "10Gi"),
                spec -> spec.putArray("checksums").add("md5"),
                spec -> spec.putObject("config").putArray("worker").add("xrootd.trace all"),
                spec -> spec.putObject("config").putArray("exports").add("/data").add("/store"));
        List<XrootdConf.Rendered> seen = new ArrayList<>(List.of(kept));
        for (Consumer<ObjectNode> change : changes) {
            change.accept(Samples.spec(parent));
            XrootdSpec changed = Samples.model(parent);
            XrootdConf.Rendered rendered = XrootdConf.rendered(changed);
            assertEquals(XrootdConf.renderedNow(changed), rendered);
            for (XrootdConf.Rendered before : seen) {
                assertNotEquals(before.hashes(), rendered.hashes());
            }
            seen.add(rendered);
        }
    }

    @Test
    void boundedAndStillRight() {
        for (int workers = 1; workers <= XrootdConf.RENDERED_CACHE * 2 + 3; workers++) {
            ObjectNode parent = Samples.parent("bound");
            ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", workers);
            XrootdSpec spec = Samples.model(parent);
            assertEquals(XrootdConf.renderedNow(spec), XrootdConf.rendered(spec));
        }
    }
}
