/**
 * The objects of the manager's admin API ({@code /admin}): domains, groups, users, keypairs,
 * keypair resource policies, audit log entries, scaling groups, agents and scheduler metrics as the
 * manager returns them, and the {@code *Spec} records whose non-null fields form the bodies of
 * create and update requests. {@link ai.backend.client.AdminClient} sends the requests.
 */
package ai.backend.client.admin;
