package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * spec.federation: the cluster in a data federation (docs/operations.md, "Federation"): its redirectors
 * subscribe to the federation's meta managers, or are one.
 */
@ValidationRule(value = Rules.FEDERATION_SITE_NAME, message = Rules.FEDERATION_SITE_NAME_MESSAGE, fieldPath = ".siteName")
@ValidationRule(value = Rules.META_MANAGER_SUBSCRIBES_NOWHERE, message = Rules.META_MANAGER_SUBSCRIBES_NOWHERE_MESSAGE,
        fieldPath = ".managers")
public class Federation {
    @Size(min = 1, max = 63)
    @Pattern(Patterns.SITE_NAME)
    @JsonPropertyDescription("The site's name in the federation (all.sitename on every pod): shown by the meta managers "
            + "and in monitoring. Required with managers.")
    public String siteName;

    @Size(max = 8)
    @ValidationRule(value = Rules.UNIQUE_MANAGERS, message = Rules.UNIQUE_MANAGERS_MESSAGE)
    @JsonPropertyDescription("Meta managers the redirectors subscribe to (all.manager meta <host>:<port> on redirectors "
            + "only; workers keep logging in to their own redirectors). The meta manager must admit the redirectors "
            + "(its cms.allow) and reach them, and clients it sends here must reach the redirectors and workers.")
    public List<Manager> managers;

    @Default("false")
    @JsonPropertyDescription("Run the redirectors as the federation's meta manager (all.role meta manager): site "
            + "redirectors subscribe to them, clients are sent on to the site holding a file. Needs worker.replicas 0 "
            + "and spec.allowedHosts naming the site redirectors; no managers.")
    public Boolean metaManager;

    public static class Manager {
        @Required
        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.MANAGER_HOST)
        @JsonPropertyDescription("Host name (or IPv4 address) of the meta manager's cmsd.")
        public String host;

        @Required
        @Min(1)
        @Max(65535)
        @JsonPropertyDescription("Its cmsd port (the federations' usual ones: 1213, 1098, 1094).")
        public Integer port;

        @Default("false")
        @JsonPropertyDescription("Every address the host name resolves to is a meta manager (host+ in all.manager): a "
                + "name behind which several meta managers run.")
        public Boolean allAddresses;
    }
}
