package dev.meridian.config;

import java.util.Locale;

/** What the SLO controller ({@link SloControllerConfig}) does with what it finds. */
public enum ControllerMode {
    /** Nothing is judged. */
    OFF,
    /** SLIs are judged and the decisions shown (log, admin API, metrics), but no dial is turned. */
    ADVISE,
    /** Decisions turn dials, each an audited admin change by the actor {@code slo-controller}. */
    ACT;

    /** The spelling used in the config file: {@code off}, {@code advise}, {@code act}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
