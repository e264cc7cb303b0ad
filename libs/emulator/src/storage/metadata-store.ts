/**
 * Control-plane state (streams, shards, consumers, tags) as one JSON document, replaced atomically:
 * write a temporary file, fsync it, rename it over the old one, fsync the directory. Control-plane calls are
 * rare, so a whole-document rewrite is simpler than a log and cannot leave a half-written state behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePrivateDir, openPrivateFile } from './private-file-modes';

export interface MetadataStore<T> {
  load(): T | undefined;
  save(value: T): void;
}

export class FileMetadataStore<T> implements MetadataStore<T> {
  constructor(private readonly file: string) {
    makePrivateDir(path.dirname(file));
  }
  load(): T | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    return JSON.parse(fs.readFileSync(this.file, 'utf8')) as T;
  }
  save(value: T): void {
    const tmp = `${this.file}.tmp`;
    // 0600 before the first byte is written; the rename keeps the mode.
    const fd = openPrivateFile(tmp, 'w');
    try {
      fs.writeFileSync(fd, JSON.stringify(value));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    const dir = fs.openSync(path.dirname(this.file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}

export class MemoryMetadataStore<T> implements MetadataStore<T> {
  private value: T | undefined;
  load(): T | undefined {
    return this.value;
  }
  save(value: T): void {
    this.value = value;
  }
}
