package org.xrootd.hook.build;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.xrootd.hook.model.XrootdSpec;

/** The ConfigMap every pod mounts: xrootd.cf and the start script. */
public final class ConfigMaps {
    private ConfigMaps() {}

    public static ConfigMap build(XrootdSpec spec) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(PodLayout.START_KEY, XrootdConfig.startScript(spec));
        data.put(PodLayout.CONFIG_KEY, XrootdConfig.render(spec));
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(Names.configMap(spec))
                    .withNamespace(spec.namespace())
                    .withLabels(Labels.cluster(spec))
                .endMetadata()
                .withData(data)
                .build();
    }
}
