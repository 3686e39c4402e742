// The only place that loads node-forge. Importing lib/forge and lib/rsa instead of the package root keeps
// forge's TLS, X.509, PKCS#12 and ciphers out of the worker bundle (~32 KB gzip instead of ~76 KB); forge
// does not tree-shake. Everything else in src/shared/crypto takes this object as a parameter.
import forge from 'node-forge/lib/forge.js';
import 'node-forge/lib/rsa.js';

export type { ForgeRsaLib } from 'node-forge/lib/forge.js';

export const forgeRsa = forge;
