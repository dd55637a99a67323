package org.xrootd.hook.api;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A CEL environment like the one the API server evaluates CRD validation rules in: the CEL standard library
 * (with RE2 regular expressions, as in cel-go) and the part of the Kubernetes quantity library the rules
 * use ({@code isQuantity}, {@code quantity}, {@code sign}, {@code isInteger}, {@code isLessThan},
 * {@code isGreaterThan}, {@code compareTo}), with {@code self} bound to the value at the rule's place in the
 * schema. A rule that does not compile here fails the test that evaluates it; so does one that calls a
 * function the API server does not have, since nothing else is declared.
 */
final class KubernetesCel {
    /** What a quantity is to the rules: its exact value. */
    record KQuantity(BigDecimal value) {}

    private static final CelType QUANTITY = OpaqueType.create("kubernetes.Quantity");
    /** resource.Quantity's grammar, written out again here rather than shared with the code under test. */
    private static final Pattern GRAMMAR = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\\d+)?");
    private static final BigDecimal INT64_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal INT64_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addFunctionDeclarations(
                    CelFunctionDecl.newFunctionDeclaration("isQuantity",
                            CelOverloadDecl.newGlobalOverload("is_quantity_string", SimpleType.BOOL, SimpleType.STRING)),
                    CelFunctionDecl.newFunctionDeclaration("quantity",
                            CelOverloadDecl.newGlobalOverload("string_to_quantity", QUANTITY, SimpleType.STRING)),
                    CelFunctionDecl.newFunctionDeclaration("sign",
                            CelOverloadDecl.newMemberOverload("quantity_sign", SimpleType.INT, QUANTITY)),
                    CelFunctionDecl.newFunctionDeclaration("isInteger",
                            CelOverloadDecl.newMemberOverload("quantity_is_integer", SimpleType.BOOL, QUANTITY)),
                    CelFunctionDecl.newFunctionDeclaration("isLessThan",
                            CelOverloadDecl.newMemberOverload("quantity_less_than", SimpleType.BOOL, QUANTITY, QUANTITY)),
                    CelFunctionDecl.newFunctionDeclaration("isGreaterThan",
                            CelOverloadDecl.newMemberOverload("quantity_greater_than", SimpleType.BOOL, QUANTITY, QUANTITY)),
                    CelFunctionDecl.newFunctionDeclaration("compareTo",
                            CelOverloadDecl.newMemberOverload("quantity_compare_to", SimpleType.INT, QUANTITY, QUANTITY)))
            .build();

    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .addFunctionBindings(
                    CelFunctionBinding.from("is_quantity_string", String.class, text -> parse(text) != null),
                    CelFunctionBinding.from("string_to_quantity", String.class, text -> {
                        KQuantity quantity = parse(text);
                        if (quantity == null) {
                            throw new IllegalArgumentException("quantities must match the regular expression");
                        }
                        return quantity;
                    }),
                    CelFunctionBinding.from("quantity_sign", KQuantity.class, q -> (long) q.value().signum()),
                    CelFunctionBinding.from("quantity_is_integer", KQuantity.class, q -> q.value().stripTrailingZeros().scale() <= 0
                            && q.value().compareTo(INT64_MIN) >= 0 && q.value().compareTo(INT64_MAX) <= 0),
                    CelFunctionBinding.from("quantity_less_than", KQuantity.class, KQuantity.class,
                            (a, b) -> a.value().compareTo(b.value()) < 0),
                    CelFunctionBinding.from("quantity_greater_than", KQuantity.class, KQuantity.class,
                            (a, b) -> a.value().compareTo(b.value()) > 0),
                    CelFunctionBinding.from("quantity_compare_to", KQuantity.class, KQuantity.class,
                            (a, b) -> (long) Integer.signum(a.value().compareTo(b.value()))))
            .build();

    private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

    private KubernetesCel() {}

    static KQuantity parse(String text) {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            return null;
        }
        // Exact arithmetic (fabric8's Quantity.getAmountInBytes goes through double for the binary suffixes).
        java.util.regex.Matcher m = Pattern.compile("([+-]?[0-9.]+)(.*)").matcher(text);
        m.matches();
        BigDecimal number = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1));
        String suffix = m.group(2);
        int binary = List.of("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei").indexOf(suffix);
        int decimal = List.of("n", "u", "m", "", "k", "M", "G", "T", "P", "E").indexOf(suffix);
        if (binary > 0) {
            return new KQuantity(number.multiply(new BigDecimal(java.math.BigInteger.TWO.pow(10 * binary))));
        }
        if (decimal >= 0) {
            return new KQuantity(number.scaleByPowerOfTen(3 * (decimal - 3)));
        }
        int exponent;
        try {
            exponent = Integer.parseInt(suffix.substring(1));
        } catch (NumberFormatException e) {
            return null;
        }
        return Math.abs(exponent) > 1000 ? null : new KQuantity(number.scaleByPowerOfTen(exponent));
    }

    /** Compiles (type-checks) a rule; throws IllegalArgumentException with the compiler's message if it does not compile. */
    static CelRuntime.Program compile(String rule) {
        return PROGRAMS.computeIfAbsent(rule, r -> {
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(r).getAst();
                if (!ast.getResultType().equals(SimpleType.BOOL) && !ast.getResultType().equals(SimpleType.DYN)) {
                    throw new IllegalArgumentException("rule does not evaluate to a bool: " + r);
                }
                return RUNTIME.createProgram(ast);
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalArgumentException("rule does not compile: " + r + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * True when the rule holds for {@code self}; false when it does not, or when its evaluation fails (the
     * API server refuses the object then too).
     */
    static boolean holds(String rule, Object self) {
        try {
            return Boolean.TRUE.equals(compile(rule).eval(Map.of("self", self)));
        } catch (CelEvaluationException e) {
            if (Boolean.getBoolean("cel.debug")) {
                System.err.println("CEL: " + rule + ": " + e.getMessage());
            }
            return false;
        }
    }
}
