package org.xrootd.hook.model;

/** One thing wrong with a parent, named by the field a user has to change. */
public record Problem(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
