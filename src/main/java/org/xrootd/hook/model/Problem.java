package org.xrootd.hook.model;

/** One thing wrong with a parent, named by the field a user has to change. */
public record Problem(String field, String message) {
    /** Longest piece of user input repeated in a message: messages go into the parent's status. */
    public static final int EXCERPT = 80;

    @Override
    public String toString() {
        return field + ": " + message;
    }

    /** {@code text} as it may be repeated in a message: at most {@link #EXCERPT} characters, one line. */
    public static String excerpt(String text) {
        return excerpt(text, EXCERPT);
    }

    public static String excerpt(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                out.append("\\n");
            } else if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return i == text.length() ? out.toString() : out + "… (" + text.length() + " characters)";
    }
}
