package org.xrootd.hook.metacontroller;

/** A request that is not a Metacontroller hook request; answered with 400 and this message. */
public final class BadRequestException extends Exception {
    public BadRequestException(String message) {
        super(message);
    }
}
