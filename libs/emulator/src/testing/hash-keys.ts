/**
 * Reference values of the KDS hash-key space for specs, computed as the API reference defines them rather than by
 * the emulator's own code: a partition key's hash key is the MD5 of its UTF-8 bytes read as a big-endian 128-bit
 * integer (PutRecord, "PartitionKey"); shards split [0, 2^128 − 1].
 */
import { createHash } from 'node:crypto';

export const MAX_HASH_KEY = (1n << 128n) - 1n;
/** The midpoint a two-shard stream splits at. */
export const HALF_HASH_KEY = 1n << 127n;

export const md5HashKey = (partitionKey: string): bigint => BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
