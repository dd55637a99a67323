package org.xrootd.hook.model;

/**
 * How many supervisors a cluster needs. A cmsd keeps at most 64 subscribers ({@code STMax} in XRootD's
 * XrdCmsTypes.hh). When a manager's 64 slots are taken, it answers a further worker's login with the list
 * of its supervisors and the worker subscribes to one of those instead; a supervisor logging in to a full
 * manager takes the slot of a plain worker, which is sent on the same way. So S supervisors let each
 * manager hold (64 - S) workers directly and 64 behind each supervisor: 64 + 63 * S in all.
 */
public final class Supervisors {
    /** Subscribers one cmsd accepts (managers and supervisors alike). */
    public static final int CMSD_SLOTS = 64;
    /** At most one per slot of a manager. */
    public static final int MAX = CMSD_SLOTS;

    private Supervisors() {}

    /**
     * None up to 64 workers, so smaller clusters stay exactly as they were. Above that, enough for every
     * worker plus one spare: during a rolling update or a node drain one supervisor is down and its
     * workers must find room behind the others.
     */
    public static int required(int workers) {
        if (workers <= CMSD_SLOTS) {
            return 0;
        }
        int needed = (workers - CMSD_SLOTS + CMSD_SLOTS - 2) / (CMSD_SLOTS - 1);
        return Math.min(MAX, needed + 1);
    }

    /** Workers each manager can hold with this many supervisors, all of them up. */
    public static int capacity(int supervisors) {
        return CMSD_SLOTS + (CMSD_SLOTS - 1) * supervisors;
    }
}
