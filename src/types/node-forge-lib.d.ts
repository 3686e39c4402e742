// @types/node-forge describes only the package root, which loads all of forge (~76 KB gzip). The worker
// imports lib/forge plus lib/rsa (~32 KB gzip), so this describes that object: only what lib/rsa and the
// modules it requires put on it, plus members the typings omit (stepwise key generation, fromDer options).

declare module 'node-forge/lib/forge.js' {
  import type nodeForge from 'node-forge';

  export type Asn1 = nodeForge.asn1.Asn1;
  export type RsaKeyPair = nodeForge.pki.rsa.KeyPair;
  export type RsaPrivateKey = nodeForge.pki.rsa.PrivateKey;
  export type RsaPublicKey = nodeForge.pki.rsa.PublicKey;
  export type BigInteger = nodeForge.jsbn.BigInteger;

  /** forge's PRNG interface; bytes travel as binary strings (one char per byte). */
  export interface ForgePrng {
    getBytesSync(count: number): string;
  }

  /** State of forge's PRIMEINC generator; `keys` is set once stepping has finished. */
  export interface KeyPairGenerationState {
    keys: RsaKeyPair | null;
  }

  export interface FromDerOptions {
    strict?: boolean;
    parseAllBytes?: boolean;
    decodeBitStrings?: boolean;
  }

  export interface ForgeRsaLib {
    options: { usePureJavaScript: boolean };
    util: {
      /** `process.versions.node` under Node, falsy elsewhere. */
      isNodejs: unknown;
      /** `self` in browsers and workers, `global` under Node. */
      globalScope: { crypto?: { subtle?: { generateKey?: unknown; exportKey?: unknown } } };
    };
    asn1: {
      Class: typeof nodeForge.asn1.Class;
      Type: typeof nodeForge.asn1.Type;
      fromDer(bytes: string, options: FromDerOptions): Asn1;
      toDer(obj: Asn1): { getBytes(): string };
      derToOid(bytes: string): string;
    };
    pki: {
      oids: { rsaEncryption: string };
      rsa: {
        generateKeyPair(
          options: { bits: number; e: number; workerScript?: string },
          callback: (err: unknown, keypair?: RsaKeyPair) => void,
        ): void;
        createKeyPairGenerationState(
          bits: number,
          e: number,
          options?: { prng?: ForgePrng; algorithm?: 'PRIMEINC' },
        ): KeyPairGenerationState;
        /** Runs for about `ms` milliseconds (0: to completion); true once `state.keys` is set. */
        stepKeyPairGenerationState(state: KeyPairGenerationState, ms: number): boolean;
        setPublicKey(n: BigInteger, e: BigInteger): RsaPublicKey;
      };
      privateKeyFromAsn1(obj: Asn1): RsaPrivateKey;
      privateKeyToAsn1(key: RsaPrivateKey): Asn1;
      publicKeyToAsn1(key: RsaPublicKey): Asn1;
      wrapRsaPrivateKey(rsaPrivateKey: Asn1): Asn1;
    };
  }

  /** The shared namespace object every lib/* module fills in when imported; see forge-lib.ts. */
  const forge: ForgeRsaLib;
  export default forge;
}
