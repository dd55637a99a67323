package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.XrootdSpec;

/** The ConfigMap every pod mounts: xrootd.cf and the start script. */
public final class ConfigMaps {
    private ConfigMaps() {}

    static ObjectNode build(XrootdSpec spec, XrootdConf.Rendered rendered) {
        ObjectNode configMap = JsonTrees.resource("v1", "ConfigMap", Names.configMap(spec), spec.namespace(), Labels.cluster(spec));
        ObjectNode data = configMap.putObject("data");
        data.put(PodLayout.START_KEY, rendered.startScript());
        data.put(PodLayout.CONFIG_KEY, rendered.config());
        // spec.tokens: scitokens.cfg and authdb (none otherwise).
        TokenConf.files(spec).forEach(data::put);
        return configMap;
    }
}
