package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonProperty;
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
 * spec.cache: the cluster is an XCache (XRootD's proxy file cache, libXrdPfc) in front of a remote origin
 * instead of a set of data servers. The names follow SLATE's xcache charts (RamSize, BlockSize, Prefetch,
 * HighWaterMark, LowWaterMark, typed CacheDirectories) and OSG's cache configuration.
 */
@ValidationRule(value = Cache.WATERMARKS_ORDERED, message = Cache.WATERMARKS_ORDERED_MESSAGE, fieldPath = ".lowWaterMark")
public class Cache {
    public static final String WATERMARKS_ORDERED = "(has(self.lowWaterMark) ? self.lowWaterMark : 0.9) < (has(self.highWaterMark) ? self.highWaterMark : 0.95)";
    public static final String WATERMARKS_ORDERED_MESSAGE = "lowWaterMark must be below highWaterMark";
    /** host:port of an origin, or '=' for the origin the client names in its URL (ATLAS style). */
    public static final String ORIGIN = "^(=|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5})$";
    public static final String DISK_NAME = "^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$";
    public static final int MAX_DISKS = 16;

    @Required
    @Size(min = 1, max = 260)
    @Pattern(ORIGIN)
    @JsonPropertyDescription("The origin the caches read from (pss.origin): host:port of an XRootD server or redirector, e.g. "
            + "cmsxrootd.fnal.gov:1094, or '=' for the origin each client names in its URL (root://cache//root://origin//path).")
    public String origin;

    @Default("1Gi")
    @Size(min = 1, max = Patterns.QUANTITY_MAX)
    @Pattern(Patterns.CAPACITY)
    @JsonPropertyDescription("RAM each cache worker uses for blocks in flight (pfc.ram; SLATE RamSize). At least 1Gi (XRootD 5.5.3 "
            + "refuses less) and at most 256Gi. The worker's xrootd container requests at least this much memory.")
    public String ramSize;

    @Size(min = 1, max = Patterns.QUANTITY_MAX)
    @Pattern(Patterns.CAPACITY)
    @JsonPropertyDescription("Size of the blocks read from the origin and stored (pfc.blocksize; SLATE BlockSize): 64Ki to 16Mi, "
            + "a multiple of 4Ki. XRootD's default (1Mi) when unset.")
    public String blockSize;

    @Min(0)
    @Max(128)
    @JsonPropertyDescription("Blocks read ahead per open file (pfc.prefetch; SLATE Prefetch); 0 turns prefetching off. XRootD's "
            + "default (10) when unset.")
    public Integer prefetch;

    @Default("0.9")
    @Min(0.01)
    @Max(0.99)
    @JsonPropertyDescription("A purge removes the least recently used files until the data disks are this full (pfc.diskusage "
            + "low; SLATE LowWaterMark), a fraction of their capacity. Rendered in bytes of the claims' capacity, since XRootD "
            + "takes fractions of the filesystem's total, which differs from the claim on shared filesystems.")
    public Double lowWaterMark;

    @Default("0.95")
    @Min(0.01)
    @Max(0.99)
    @JsonPropertyDescription("A purge starts when the data disks are fuller than this (pfc.diskusage high; SLATE HighWaterMark), "
            + "a fraction of their capacity, rendered in bytes.")
    public Double highWaterMark;

    @Default("300")
    @Min(60)
    @Max(3600)
    @JsonPropertyDescription("Seconds between two purge checks (pfc.diskusage purgeinterval); XRootD allows 60 to 3600. A check "
            + "spares the files read since the previous one; a data disk past the high watermark is purged at the next check.")
    public Integer purgeIntervalSeconds;

    @Size(max = MAX_DISKS)
    @ValidationRule(value = "self.all(d, self.exists_one(e, e.name == d.name))", message = "disk names must be unique")
    @JsonPropertyDescription("Cache disks of each worker besides its volume (spec.worker.storage), each its own claim "
            + "(pfc.spaces, oss.space; SLATE CacheDirectories). Data disks hold the cached blocks, meta disks the .cinfo files; "
            + "without a data (meta) disk the worker volume holds them. Fixed once the workers exist, like the worker volume.")
    public List<Disk> disks;

    public static class Disk {
        @Required
        @Size(min = 1, max = 32)
        @Pattern(DISK_NAME)
        @ValidationRule(value = "!(self in ['data', 'meta', 'public'])", message = "data, meta and public are reserved disk names")
        @JsonPropertyDescription("Name of the disk: its claim template (cache-NAME) and mount point (/xrootd/cache/NAME); not data, "
                + "meta or public.")
        public String name;

        @Required
        @JsonPropertyDescription("data: cached file blocks; meta: the cache's .cinfo files.")
        public Type type;

        @Required
        @Size(min = 1, max = Patterns.QUANTITY_MAX)
        @Pattern(Patterns.CAPACITY)
        @ValidationRule(value = Rules.CAPACITY, message = Rules.CAPACITY_MESSAGE)
        @JsonPropertyDescription("Size of the disk's claim (e.g. 500Gi).")
        public String capacity;

        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonProperty("class")
        @JsonPropertyDescription("StorageClass of the disk's claim; the cluster default when omitted.")
        public String storageClass;
    }

    public enum Type {
        @JsonProperty("data") DATA, @JsonProperty("meta") META
    }
}
