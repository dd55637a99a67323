package org.xrootd.hook.status;

/** One condition as written to the parent, with the time its status last changed. */
public record Condition(ConditionType type, boolean status, Reason reason, String message, long observedGeneration,
                        String lastTransitionTime) {
}
