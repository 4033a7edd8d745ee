/**
 * The Netty front end: {@link ai.lmi.server.http.HttpServer} binds, {@link
 * ai.lmi.server.http.HttpServerInitializer} lists the pipeline, {@link ai.lmi.server.http.RequestRouter}
 * dispatches to endpoints, and generation responses stream back through {@link
 * ai.lmi.server.http.GenerationExchange}s. Nothing here blocks an event loop: the engine's events are
 * handed to the channel's event loop, and a client that disconnects cancels its generation.
 */
package ai.lmi.server.http;
