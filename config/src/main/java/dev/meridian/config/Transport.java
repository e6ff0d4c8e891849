package dev.meridian.config;

import java.util.Locale;

/**
 * The socket transport of the data path. Native epoll saves a copy and a wake-up per event, but
 * is Linux-only; {@link #AUTO} takes it when it is there, so one config works on a laptop and in
 * production.
 */
public enum Transport {
    /** Native epoll when available, else NIO. */
    AUTO,
    /** Native epoll; start-up fails when it is unavailable. */
    EPOLL,
    /** Java NIO everywhere. */
    NIO;

    /** The spelling used in the config file: {@code auto}, {@code epoll}, {@code nio}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
