/** LMI Server: the daemon that serves large language models over HTTP. */
package ai.lmi.server;
