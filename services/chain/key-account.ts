import {
  AbstractSigner,
  copyRequest,
  getAddress,
  getBytes,
  hashMessage,
  resolveAddress,
  resolveProperties,
  Signature,
  Transaction,
  TypedDataEncoder,
  type Provider,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { type KeySigner, type SignedContent, signDigest, signerAddress } from "../../core/index.ts";
import { nativeSignerFromHex } from "../crypto/native-signer.ts";

/**
 * An ethers Signer whose every signature goes through a KeySigner (issue 14): the status
 * writer's batches, the operator commands' transactions, the deployer's. An HSM or KMS key
 * sends transactions the same way a software key does. Mirrors ethers' BaseWallet.
 */
export class KeySignerAccount extends AbstractSigner {
  readonly address: string;
  readonly key: KeySigner;

  constructor(key: KeySigner, provider?: Provider | null) {
    super(provider);
    this.key = key;
    this.address = getAddress(signerAddress(key));
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: Provider | null): KeySignerAccount {
    return new KeySignerAccount(this.key, provider);
  }

  private async sign(digest: string, content?: SignedContent): Promise<Signature> {
    const { signature } = await signDigest(this.key, Buffer.from(digest.slice(2), "hex"), content);
    return Signature.from({
      r: `0x${Buffer.from(signature.subarray(0, 32)).toString("hex")}`,
      s: `0x${Buffer.from(signature.subarray(32, 64)).toString("hex")}`,
      v: 27 + signature[64]!,
    });
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this) : undefined,
      from: tx.from ? resolveAddress(tx.from, this) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null && getAddress(from) !== this.address)
      throw new TypeError(`transaction from ${from}, this signer is ${this.address}`);
    delete tx.from;
    const btx = Transaction.from(tx as Parameters<typeof Transaction.from>[0]);
    // The unsigned transaction travels with its hash: a purpose-enforcing signer reads its `to` and selector.
    btx.signature = await this.sign(btx.unsignedHash, {
      kind: "transaction",
      preimage: getBytes(btx.unsignedSerialized),
    });
    return btx.serialized;
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.sign(hashMessage(message))).serialized;
  }

  async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      const address = await this.provider?.resolveName(name);
      if (!address) throw new TypeError(`cannot resolve ${name}`);
      return address;
    });
    return (await this.sign(TypedDataEncoder.hash(populated.domain, types, populated.value))).serialized;
  }
}

/** A chain account from a 0x-hex private key (a `LAISSEZ_*_KEY` variable): the native software signer behind the ethers Signer. */
export const softwareAccount = (hex: string, provider?: Provider | null): KeySignerAccount =>
  new KeySignerAccount(nativeSignerFromHex("ES256K", hex), provider);
