/**
 * The admin API: {@link dev.meridian.router.admin.AdminServer} serves region state, weights,
 * drains, explain, reload and metrics on its own port, with bearer tokens, revisions, a state file
 * that survives restarts and an audit trail.
 */
@NullMarked
package dev.meridian.router.admin;

import org.jspecify.annotations.NullMarked;
