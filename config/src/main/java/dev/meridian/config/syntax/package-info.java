/**
 * The value syntaxes of the configuration, shared by the records that check them and the loader
 * that reports them: names, header names, path prefixes, endpoint URLs, IP literals, durations
 * and sizes. A leaf: it depends on nothing else in Meridian.
 */
@NullMarked
package dev.meridian.config.syntax;

import org.jspecify.annotations.NullMarked;
