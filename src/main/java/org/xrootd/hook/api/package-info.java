/**
 * The typed API: the {@code Xrootd} and {@code XrootdVersion} custom resources as Java classes, from which
 * the CRDs in {@code crds/} are generated (fabric8 crd-generator; {@code GenerateCrds} in the tests, checked
 * by {@code GeneratedCrdsTest}). Field types, defaults, bounds, patterns and CEL rules
 * ({@code x-kubernetes-validations}) are declared here once; {@code model.SpecParser} applies the same
 * rules in the hook, for API servers that skip CEL and for objects stored before a CRD upgrade.
 *
 * <p>The lowest layer: nothing here imports the rest of the project. The classes are schema declarations
 * with public fields; the hook never deserializes requests into them.
 */
package org.xrootd.hook.api;
