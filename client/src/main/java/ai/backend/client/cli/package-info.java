/**
 * The {@code bai} command line tool, modeled on Backend.AI's own {@code backend.ai} command: {@code
 * run}, {@code exec}, {@code ps}, {@code info}, {@code rm}, {@code login}, {@code admin} and the
 * other commands that {@link ai.backend.client.cli.BaiCommand} lists.
 */
package ai.backend.client.cli;
