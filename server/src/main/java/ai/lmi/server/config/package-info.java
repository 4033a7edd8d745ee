/**
 * The serving configuration: one immutable {@link ai.lmi.server.config.ServingConfig}, built once
 * at start-up by {@link ai.lmi.server.config.ServingConfigLoader} and passed to whoever needs it.
 *
 * <h2>Sources, highest precedence first</h2>
 * <ol>
 *   <li><b>Command line.</b> {@code --model DIR} sets {@code option.model_id}; {@code --config FILE}
 *       names the properties file to read; any key can be given as {@code --KEY VALUE} or
 *       {@code --KEY=VALUE}, e.g. {@code --port 9000}, {@code --option.block_size=32},
 *       {@code --job_queue_size 100}. Keys are spelled exactly as in serving.properties. Every flag
 *       takes a value (write {@code --option.enable_prefix_caching false}); a value that starts
 *       with {@code --} needs the {@code =} form. A later flag overrides an earlier one; a
 *       positional argument is an error.</li>
 *   <li><b>serving.properties</b>: the {@code --config} file when given (it must exist), otherwise
 *       {@code serving.properties} in the model directory ({@code option.model_id} from the
 *       command line, else from the environment) when it is there. Java properties syntax:
 *       {@code #} and {@code !} comments, {@code key=value}, {@code key: value} or
 *       {@code key value}, UTF-8.</li>
 *   <li><b>Environment.</b> {@code OPTION_<KEY>} sets {@code option.<key>} and
 *       {@code SERVING_<KEY>} sets {@code <key>}, lower-cased ({@code OPTION_MAX_MODEL_LEN} →
 *       {@code option.max_model_len}, {@code SERVING_PORT} → {@code port}). Below those, the
 *       SageMaker-style names: {@code HF_MODEL_ID} → {@code option.model_id},
 *       {@code TENSOR_PARALLEL_DEGREE} → {@code option.tensor_parallel_degree},
 *       {@code MAX_BATCH_SIZE} → {@code option.max_rolling_batch_size},
 *       {@code MAX_CONCURRENT_REQUESTS} → {@code job_queue_size}, and last
 *       {@code SM_NUM_GPUS} → {@code option.tensor_parallel_degree} ({@code SM_NUM_GPUS=0}, a CPU
 *       instance, is ignored). Other variables are not read.</li>
 *   <li><b>Defaults</b>, listed by {@link ai.lmi.server.config.ServingConfig#toMap()}.</li>
 * </ol>
 *
 * <h2>Values</h2>
 * Values are trimmed. Only the value that takes effect is checked: an invalid value that a
 * higher source overrides does no harm. Byte sizes ({@code option.kv_cache_bytes},
 * {@code max_payload_bytes}) are digits with an optional suffix {@code k}, {@code m}, {@code g}
 * or {@code t}, powers of 1024 as in the JVM's {@code -Xmx} ({@code 512m}, {@code 4g}). Booleans
 * are {@code true} or {@code false}. {@code port=0} picks a free port.
 *
 * <h2>Errors and warnings</h2>
 * An unknown key logs a warning naming the key and its source. Every invalid value is collected
 * and reported together in one {@link ai.lmi.server.config.ConfigException}, each as
 * {@code key=value (from source): what is allowed}.
 */
package ai.lmi.server.config;
