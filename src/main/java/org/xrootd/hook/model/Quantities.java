package org.xrootd.hook.model;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.regex.Pattern;
import org.xrootd.hook.api.Patterns;

/**
 * Storage quantities. fabric8 parses them; the canonical spelling follows the API server's, because
 * Metacontroller replaces {@code volumeClaimTemplates} wholesale and compares with what the server
 * stored: any other spelling of the same size would look like a change on every sync.
 */
public final class Quantities {
    /** The API server's quantity grammar (k8s.io/apimachinery resource.Quantity), as the CRD's schema has it. */
    private static final Pattern GRAMMAR = Pattern.compile(Patterns.QUANTITY);
    private static final String[] BINARY = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    private static final String[] DECIMAL = {"", "k", "M", "G", "T", "P", "E"};
    private static final BigInteger KIBI = BigInteger.valueOf(1024);
    private static final BigInteger KILO = BigInteger.valueOf(1000);
    /**
     * Longer spellings are refused before any arithmetic: every quantity the API server can store as an
     * int64 fits, and a megabyte of digits would otherwise cost seconds of BigDecimal work per sync.
     */
    public static final int MAX_LENGTH = 64;

    private Quantities() {}

    private record Parsed(Quantity quantity, BigDecimal amount) {}

    /** fabric8 parses; the grammar check first keeps its lenient parser from accepting what the API server refuses. */
    private static Parsed parse(String text, String example) {
        String refusal = "'" + Problem.excerpt(text) + "' is not a Kubernetes quantity" + example;
        if (text == null || text.isBlank() || text.length() > MAX_LENGTH || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException(refusal);
        }
        try {
            Quantity quantity = Quantity.parse(text);
            return new Parsed(quantity, exact(quantity));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(refusal);
        }
    }

    private static final BigDecimal KIBI_DECIMAL = BigDecimal.valueOf(1024);

    /** "e3", "E-2": a decimal exponent. "E" alone is exa and "Ei" exbi, not exponents. */
    private static boolean isExponent(String format) {
        return format.length() > 1 && (format.charAt(0) == 'e' || format.charAt(0) == 'E') && format.charAt(1) != 'i';
    }

    /**
     * The quantity's value without rounding. fabric8's getAmountInBytes goes through a double for binary
     * suffixes, which turns 3Ei into a slightly different number of bytes.
     */
    private static BigDecimal exact(Quantity quantity) {
        BigDecimal number = new BigDecimal(quantity.getAmount());
        String format = quantity.getFormat() == null ? "" : quantity.getFormat();
        int binary = List.of(BINARY).indexOf(format);
        if (binary > 0) {
            return number.multiply(KIBI_DECIMAL.pow(binary));
        }
        int decimal = List.of("n", "u", "m", "", "k", "M", "G", "T", "P", "E").indexOf(format);
        if (decimal >= 0) {
            return number.scaleByPowerOfTen(3 * (decimal - 3));
        }
        if (isExponent(format)) {
            return number.scaleByPowerOfTen(Integer.parseInt(format.substring(1)));
        }
        throw new IllegalArgumentException("unknown suffix " + format);
    }

    /** The exact value of a quantity (CPU in cores, memory in bytes); throws IllegalArgumentException for what is not one. */
    public static BigDecimal amount(String text) {
        return parse(text, "").amount();
    }

    /** A whole, positive number of bytes, with its canonical spelling. */
    public record Bytes(BigInteger bytes, String canonical) {}

    /** Parses a storage size; throws IllegalArgumentException with a message meant for users. */
    public static Bytes parseBytes(String text) {
        Parsed parsed = parse(text, " (e.g. 1Gi, 500Mi, 10G)");
        Quantity quantity = parsed.quantity();
        BigDecimal amount = parsed.amount();
        if (amount.signum() <= 0) {
            throw new IllegalArgumentException("'" + Problem.excerpt(text) + "' must be greater than zero");
        }
        BigInteger bytes;
        try {
            bytes = amount.stripTrailingZeros().toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + Problem.excerpt(text) + "' is not a whole number of bytes");
        }
        if (bytes.bitLength() > 62) {
            throw new IllegalArgumentException("'" + Problem.excerpt(text) + "' is larger than Kubernetes allows");
        }
        String format = quantity.getFormat() == null ? "" : quantity.getFormat();
        if (isExponent(format)) {
            return new Bytes(bytes, canonicalExponent(bytes));
        }
        return new Bytes(bytes, canonical(bytes, format.endsWith("i")));
    }

    /** A byte count in the API server's binary spelling (e.g. 64Mi, 1536Mi). */
    public static String canonicalBytes(BigInteger bytes) {
        return canonical(bytes, true);
    }

    /** Largest suffix that keeps the number whole, as the API server prints it. */
    static String canonical(BigInteger bytes, boolean binary) {
        BigInteger base = binary ? KIBI : KILO;
        String[] suffixes = binary ? BINARY : DECIMAL;
        int exponent = 0;
        BigInteger value = bytes;
        while (exponent < suffixes.length - 1 && value.mod(base).signum() == 0) {
            value = value.divide(base);
            exponent++;
        }
        if (binary && exponent == 0) {
            // A binary size below one KiB is printed in decimal form, as the API server does.
            return canonical(bytes, false);
        }
        return value + suffixes[exponent];
    }

    /** Exponent spelling (1e9), kept as the API server keeps it: mantissa and a multiple of three. */
    static String canonicalExponent(BigInteger bytes) {
        int exponent = 0;
        BigInteger value = bytes;
        while (value.mod(KILO).signum() == 0) {
            value = value.divide(KILO);
            exponent += 3;
        }
        return exponent == 0 ? value.toString() : value + "e" + exponent;
    }

    /**
     * Any quantity (CPU, memory) in the API server's canonical spelling: "0.5" becomes "500m", "2048Mi"
     * becomes "2Gi". Throws IllegalArgumentException for what is not a quantity.
     */
    public static String canonical(String text) {
        Parsed parsed = parse(text, "");
        Quantity quantity = parsed.quantity();
        BigDecimal amount = parsed.amount();
        if (amount.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + Problem.excerpt(text) + "' is larger than Kubernetes allows");
        }
        String format = quantity.getFormat() == null ? "" : quantity.getFormat();
        // The API server keeps nanounits at most, rounding up.
        BigDecimal value = amount.setScale(9, java.math.RoundingMode.CEILING).stripTrailingZeros();
        boolean whole = value.scale() <= 0;
        if (whole && value.signum() > 0 && isExponent(format)) {
            return canonicalExponent(value.toBigIntegerExact());
        }
        if (whole && format.endsWith("i") && value.abs().compareTo(BigDecimal.valueOf(1024)) >= 0) {
            return canonical(value.toBigIntegerExact(), true);
        }
        return decimal(value);
    }

    /** Decimal SI: the largest suffix from n to E that keeps the number whole. */
    private static String decimal(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        String[] suffixes = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
        for (int i = suffixes.length - 1; i >= 0; i--) {
            BigDecimal scaled = value.movePointLeft(3 * (i - 3));
            if (scaled.stripTrailingZeros().scale() <= 0) {
                return scaled.toBigIntegerExact() + suffixes[i];
            }
        }
        return value.toPlainString();
    }

    /** Size in whole mebibytes, rounded down (used for xrootd's space thresholds). */
    public static long mebibytes(BigInteger bytes) {
        return bytes.shiftRight(20).longValue();
    }
}
