package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.xrootd.hook.api.Cache;
import org.xrootd.hook.api.Patterns;

/**
 * Reads spec.cache (see {@link org.xrootd.hook.api.Cache}) and checks what a cache cannot do on XRootD
 * 5.5.3: RAM below 1 GiB (start-up fails), watermarks out of order, a data space that leaves no room above
 * XRootD's 10 MB floor, a memory request or limit below the RAM, and spec.config directives that would
 * replace the cache's own or ask for what a cache does not serve (third-party copy, token authorization).
 */
final class CacheParser {
    static final BigInteger GIBI = BigInteger.ONE.shiftLeft(30);
    static final BigInteger MIN_RAM = GIBI;
    static final BigInteger MAX_RAM = GIBI.multiply(BigInteger.valueOf(256));
    static final BigInteger MIN_BLOCK = BigInteger.valueOf(64 * 1024);
    static final BigInteger MAX_BLOCK = BigInteger.valueOf(16 * 1024 * 1024);
    /**
     * Smallest data space the hook accepts: XRootD 5.5.3 refuses to start on a data space under 10 MB
     * (statvfs total), and a formatted claim loses part of its size to the filesystem (an ext4 volume of
     * 32 MiB reports about 27 MiB), so 32 MiB leaves room above the floor.
     */
    static final BigInteger MIN_DATA_BYTES = BigInteger.valueOf(32L << 20);
    static final BigDecimal DEFAULT_LOW = new BigDecimal("0.9");
    static final BigDecimal DEFAULT_HIGH = new BigDecimal("0.95");
    static final int DEFAULT_PURGE_SECONDS = 300;
    /**
     * Disk names that are not free: "data" is the worker volume's claim; "meta" and "public" are oss space
     * names, and oss takes an oss.space path that ends in its space's name for the space's parent directory.
     */
    static final Set<String> RESERVED_DISK_NAMES = Set.of("data", "meta", "public");
    /** Directives the cache configuration owns (the hook renders them from spec.cache). */
    static final Set<String> CACHE_DIRECTIVES = Set.of("ofs.osslib", "pss.origin", "pss.cachelib", "pfc.ram", "pfc.blocksize",
            "pfc.prefetch", "pfc.diskusage", "pfc.spaces", "oss.space", "cms.sched", "cms.fxhold");
    /**
     * Directives for what a 5.5.3 cache does not serve: third-party copy (ofs.tpc, and http.exthandler which
     * loads the HTTP TPC and macaroon handlers) and token authorization (ofs.authlib, the SciTokens plugin's
     * hook; sec.protocol ztn). A cache refuses writes, so it can neither be a TPC destination nor honour
     * write scopes, and its reads from the origin carry no client token.
     */
    static final Set<String> UNSUPPORTED_DIRECTIVES = Set.of("ofs.tpc", "http.exthandler", "ofs.authlib");
    private static final Set<String> FIELDS = Set.of("origin", "ramSize", "blockSize", "prefetch", "lowWaterMark", "highWaterMark",
            "purgeIntervalSeconds", "disks");
    private static final Set<String> DISK_FIELDS = Set.of("name", "type", "capacity", "class");
    private static final Pattern ORIGIN = Pattern.compile(Cache.ORIGIN);
    private static final Pattern DISK_NAME = Pattern.compile(Cache.DISK_NAME);
    private static final Pattern CAPACITY = Pattern.compile(Patterns.CAPACITY);

    private final List<Problem> problems;

    private CacheParser(List<Problem> problems) {
        this.problems = problems;
    }

    /** The cache, or null when spec.cache is absent or wrong (then {@code problems} says why). */
    static XrootdSpec.Cache parse(JsonNode node, XrootdSpec.Storage storage, XrootdSpec.Role worker, List<String> allDirectives,
                                  List<String> redirectorDirectives, List<Problem> problems) {
        if (node == null) {
            return null;
        }
        return new CacheParser(problems).read(node, storage, worker, allDirectives, redirectorDirectives);
    }

    private XrootdSpec.Cache read(JsonNode node, XrootdSpec.Storage storage, XrootdSpec.Role worker, List<String> allDirectives,
                                  List<String> redirectorDirectives) {
        int before = problems.size();
        node.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                problems.add(new Problem("spec.cache." + Problem.excerpt(name, 63), "is not a field of spec.cache"));
            }
        });
        String origin = origin(node.get("origin"));
        BigInteger ram = bytes(node.get("ramSize"), "spec.cache.ramSize", MIN_RAM);
        if (ram != null && ram.compareTo(MIN_RAM) < 0) {
            problems.add(new Problem("spec.cache.ramSize", "is below 1Gi; XRootD 5.5.3 refuses a cache with less RAM (pfc.ram)"));
        } else if (ram != null && ram.compareTo(MAX_RAM) > 0) {
            problems.add(new Problem("spec.cache.ramSize", "is above 256Gi, the most pfc.ram takes"));
        }
        BigInteger block = bytes(node.get("blockSize"), "spec.cache.blockSize", null);
        if (block != null && (block.compareTo(MIN_BLOCK) < 0 || block.compareTo(MAX_BLOCK) > 0
                || block.mod(BigInteger.valueOf(4096)).signum() != 0)) {
            problems.add(new Problem("spec.cache.blockSize", "must be between 64Ki and 16Mi and a multiple of 4Ki (pfc.blocksize)"));
        }
        Integer prefetch = integer(node.get("prefetch"), "spec.cache.prefetch", null, 0, 128);
        BigDecimal low = fraction(node.get("lowWaterMark"), "spec.cache.lowWaterMark", DEFAULT_LOW);
        BigDecimal high = fraction(node.get("highWaterMark"), "spec.cache.highWaterMark", DEFAULT_HIGH);
        if (low != null && high != null && low.compareTo(high) >= 0) {
            problems.add(new Problem("spec.cache.lowWaterMark", "(" + low.toPlainString() + ") must be below highWaterMark ("
                    + high.toPlainString() + "): a purge starts above the high mark and stops at the low one"));
        }
        Integer purge = integer(node.get("purgeIntervalSeconds"), "spec.cache.purgeIntervalSeconds", DEFAULT_PURGE_SECONDS, 60, 3600);
        List<XrootdSpec.Disk> disks = disks(node.get("disks"));
        BigInteger dataBytes = null;
        if (disks != null && storage != null) {
            dataBytes = disks.stream().filter(d -> d.type() == XrootdSpec.DiskType.DATA).map(XrootdSpec.Disk::bytes)
                    .reduce(BigInteger.ZERO, BigInteger::add);
            String where = "spec.cache.disks";
            if (dataBytes.signum() == 0) {
                dataBytes = storage.bytes();
                where = "spec.worker.storage.capacity";
            }
            if (dataBytes.compareTo(MIN_DATA_BYTES) < 0) {
                problems.add(new Problem(where, "leaves the cache " + dataBytes + " bytes of data space; it needs at least 32Mi "
                        + "(XRootD refuses a data space under 10 MB, and the filesystem takes part of a claim)"));
            }
        }
        memory(worker, ram);
        directives("spec.config.all", allDirectives);
        directives("spec.config.worker", worker.directives());
        directives("spec.config.redirector", redirectorDirectives);
        if (problems.size() > before || origin == null || purge == null || low == null || high == null || dataBytes == null) {
            return null;
        }
        BigInteger lowBytes = times(dataBytes, low);
        BigInteger highBytes = times(dataBytes, high);
        return new XrootdSpec.Cache(origin, ram, Quantities.canonical(ram, true), block, prefetch, low, high, lowBytes, highBytes,
                purge, disks, dataBytes);
    }

    /**
     * {@code bytes × fraction}, rounded down to a whole KiB: XRootD 5.5.3 reads a pfc.diskusage value without
     * a unit suffix as a fraction (a byte count became a negative watermark and start-up failed), so
     * watermarks are written with one.
     */
    static BigInteger times(BigInteger bytes, BigDecimal fraction) {
        BigInteger exact = new BigDecimal(bytes).multiply(fraction).setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        return exact.shiftRight(10).shiftLeft(10);
    }

    private String origin(JsonNode node) {
        if (node == null || node.isNull()) {
            problems.add(new Problem("spec.cache.origin", "is required: host:port of the origin, or '=' for the client's"));
            return null;
        }
        String text = node.isTextual() ? node.asText() : null;
        if (text == null || text.length() > 260 || !ORIGIN.matcher(text).matches()) {
            problems.add(new Problem("spec.cache.origin", "'" + Problem.excerpt(text == null ? node.toString() : text)
                    + "' must be host:port (e.g. cmsxrootd.fnal.gov:1094) or '='"));
            return null;
        }
        if (!text.equals("=")) {
            int port = Integer.parseInt(text.substring(text.lastIndexOf(':') + 1));
            if (port < 1 || port > 65535) {
                problems.add(new Problem("spec.cache.origin", "port " + port + " is not between 1 and 65535"));
                return null;
            }
        }
        return text;
    }

    /** A quantity of bytes; absent: {@code fallback}. */
    private BigInteger bytes(JsonNode node, String field, BigInteger fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual() || !CAPACITY.matcher(node.asText()).matches()) {
            problems.add(new Problem(field, "'" + Problem.excerpt(node.isTextual() ? node.asText() : node.toString())
                    + "' is not a Kubernetes quantity (e.g. 1Gi, 512Ki)"));
            return null;
        }
        try {
            return Quantities.parseBytes(node.asText()).bytes();
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(field, e.getMessage()));
            return null;
        }
    }

    private Integer integer(JsonNode node, String field, Integer fallback, int min, int max) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber() || node.decimalValue().stripTrailingZeros().scale() > 0) {
            problems.add(new Problem(field, "must be an integer"));
            return null;
        }
        BigInteger value = node.decimalValue().toBigInteger();
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            problems.add(new Problem(field, "must be between " + min + " and " + max + ", got " + Problem.excerpt(value.toString())));
            return null;
        }
        return value.intValue();
    }

    /** A fraction between 0.01 and 0.99, kept as written (its decimal digits, not a binary double). */
    private BigDecimal fraction(JsonNode node, String field, BigDecimal fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber()) {
            problems.add(new Problem(field, "must be a number between 0.01 and 0.99 (a fraction of the data disks' capacity)"));
            return null;
        }
        BigDecimal value = node.isFloatingPointNumber() && !node.isBigDecimal()
                ? new BigDecimal(Double.toString(node.doubleValue())) : node.decimalValue();
        if (value.compareTo(new BigDecimal("0.01")) < 0 || value.compareTo(new BigDecimal("0.99")) > 0) {
            problems.add(new Problem(field, "must be between 0.01 and 0.99 (a fraction of the data disks' capacity), got "
                    + Problem.excerpt(value.toPlainString())));
            return null;
        }
        return value.stripTrailingZeros();
    }

    private List<XrootdSpec.Disk> disks(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(new Problem("spec.cache.disks", "must be a list of disks (name, type, capacity, class)"));
            return null;
        }
        if (node.size() > Cache.MAX_DISKS) {
            problems.add(new Problem("spec.cache.disks", "lists " + node.size() + " disks; at most " + Cache.MAX_DISKS));
            return null;
        }
        List<XrootdSpec.Disk> disks = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            JsonNode disk = node.get(i);
            String field = "spec.cache.disks[" + i + "]";
            if (!disk.isObject()) {
                problems.add(new Problem(field, "must be an object (name, type, capacity, class)"));
                ok = false;
                continue;
            }
            disk.fieldNames().forEachRemaining(name -> {
                if (!DISK_FIELDS.contains(name)) {
                    problems.add(new Problem(field + "." + Problem.excerpt(name, 63), "is not a field of a cache disk"));
                }
            });
            String name = disk.path("name").isTextual() ? disk.path("name").asText() : null;
            if (name == null || !DISK_NAME.matcher(name).matches()) {
                problems.add(new Problem(field + ".name", "must be a lower-case DNS label of at most 32 characters starting with a letter"));
                ok = false;
            } else if (RESERVED_DISK_NAMES.contains(name)) {
                problems.add(new Problem(field + ".name", "'" + name + "' is reserved (the worker volume's claim, or an oss space name); "
                        + "choose another, e.g. nvme0 or cinfo"));
                ok = false;
            } else if (!names.add(name)) {
                problems.add(new Problem(field + ".name", "'" + name + "' is used twice"));
                ok = false;
            }
            String typeText = disk.path("type").asText("");
            XrootdSpec.DiskType type = switch (typeText) {
                case "data" -> XrootdSpec.DiskType.DATA;
                case "meta" -> XrootdSpec.DiskType.META;
                default -> null;
            };
            if (type == null) {
                problems.add(new Problem(field + ".type", "must be data (cached blocks) or meta (.cinfo files)"));
                ok = false;
            }
            BigInteger bytes = null;
            String canonical = null;
            if (!disk.hasNonNull("capacity")) {
                problems.add(new Problem(field + ".capacity", "is required (e.g. 500Gi)"));
                ok = false;
            } else if (!disk.get("capacity").isTextual() || !CAPACITY.matcher(disk.get("capacity").asText()).matches()) {
                problems.add(new Problem(field + ".capacity", "is not a Kubernetes quantity (e.g. 500Gi)"));
                ok = false;
            } else {
                try {
                    Quantities.Bytes parsed = Quantities.parseBytes(disk.get("capacity").asText());
                    bytes = parsed.bytes();
                    canonical = parsed.canonical();
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(field + ".capacity", e.getMessage()));
                    ok = false;
                }
            }
            String storageClass = null;
            if (disk.hasNonNull("class")) {
                storageClass = disk.get("class").asText();
                if (!disk.get("class").isTextual() || !KubernetesValues.isDnsSubdomain(storageClass)) {
                    problems.add(new Problem(field + ".class", "'" + Problem.excerpt(storageClass) + "' is not a StorageClass name"));
                    ok = false;
                }
            }
            if (ok) {
                disks.add(new XrootdSpec.Disk(name, type, canonical, bytes, storageClass));
            }
        }
        return ok ? List.copyOf(disks) : null;
    }

    /** The worker's xrootd holds the cache's RAM: a memory request or limit below it would get the pod killed or starved. */
    private void memory(XrootdSpec.Role worker, BigInteger ram) {
        if (ram == null || worker.pod().resources() == null) {
            return;
        }
        for (var entry : List.of(java.util.Map.entry("requests", nullSafe(worker.pod().resources().getRequests())),
                java.util.Map.entry("limits", nullSafe(worker.pod().resources().getLimits())))) {
            Quantity memory = entry.getValue().get("memory");
            if (memory != null) {
                BigDecimal bytes = Quantity.getAmountInBytes(memory);
                if (bytes.compareTo(new BigDecimal(ram)) < 0) {
                    problems.add(new Problem("spec.worker.resources." + entry.getKey() + ".memory", "(" + memory
                            + ") is below spec.cache.ramSize (" + Quantities.canonical(ram, true) + "): the cache's blocks live in the "
                            + "xrootd container's memory"));
                }
            }
        }
    }

    private static java.util.Map<String, Quantity> nullSafe(java.util.Map<String, Quantity> map) {
        return map == null ? java.util.Map.of() : map;
    }

    private void directives(String field, List<String> lines) {
        for (String line : lines) {
            String directive = line.split("\\s+", 2)[0];
            if (CACHE_DIRECTIVES.contains(directive)) {
                problems.add(new Problem(field, "'" + directive + "' is rendered from spec.cache; set the cache there"));
            } else if (UNSUPPORTED_DIRECTIVES.contains(directive) || line.matches("sec\\.protocol\\s+(\\S+\\s+)?ztn\\b.*")) {
                problems.add(new Problem(field, "'" + directive + "' asks for third-party copy or token authorization, which a cache "
                        + "(read-only, XRootD 5.5.3) does not serve; remove it or spec.cache"));
            }
        }
    }
}
