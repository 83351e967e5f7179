// The configuration module: the environment schema (schema.ts) and the loader that turns an environment into the
// typed Config (loader.ts). Nothing outside this folder reads process.env; every other module receives Config.
export { CONFIG_VARIABLES } from './schema.js';
export { ConfigError, loadConfig, type Config, type ConfigProblem } from './loader.js';
