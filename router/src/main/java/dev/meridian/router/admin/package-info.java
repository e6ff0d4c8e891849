/**
 * The admin API: {@link dev.meridian.router.admin.AdminServer} serves region state, weights,
 * drains, explain, reload and metrics on its own port, with bearer tokens, revisions, a state file
 * that survives restarts and an audit trail, and the status page ({@code /ui/}) that shows them.
 */
@NullMarked
package dev.meridian.router.admin;

import org.jspecify.annotations.NullMarked;
