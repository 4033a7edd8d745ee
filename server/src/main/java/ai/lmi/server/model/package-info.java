/**
 * What every served model offers, whatever its task: the HTTP layer's view of its state ({@link
 * ai.lmi.server.model.ModelService}) and the daemon's handle on its life ({@link ai.lmi.server.model.ModelRuntime}).
 */
package ai.lmi.server.model;
