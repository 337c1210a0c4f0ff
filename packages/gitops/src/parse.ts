/** Parses a YAML file into documents that keep their source tokens, so edits can splice bytes. */
import { Composer, type Document, LineCounter, Parser } from 'yaml';
import { GitopsErrors } from './errors.ts';

/** Files larger than this are refused: configuration files are small. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface ParsedFile {
  docs: Document.Parsed[];
  /** 1-based line of a character offset. */
  lineAt: (offset: number) => number;
}

export function parseFile(text: string, file: string): ParsedFile {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    throw GitopsErrors.create('GITOPS_YAML_INVALID', `the file is larger than ${MAX_FILE_BYTES} bytes`, { file });
  }
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ keepSourceTokens: true, uniqueKeys: true, prettyErrors: false });
  const docs = Array.from(composer.compose(parser.parse(text), true));
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const message = error.message.split('\n')[0] ?? error.message;
      throw GitopsErrors.create('GITOPS_YAML_INVALID', `not valid YAML: ${message}`, { file, line: lineAt(error.pos[0]) });
    }
  }
  return { docs, lineAt };
}

/** The index of the document whose content starts on `line` (or, failing that, spans it); -1 when none does. */
export function documentAtLine(parsed: ParsedFile, line: number): number {
  const starts = parsed.docs.findIndex((doc) => doc.contents !== null && parsed.lineAt(doc.contents.range[0]) === line);
  if (starts !== -1) return starts;
  return parsed.docs.findIndex((doc) => parsed.lineAt(doc.range[0]) <= line && line <= parsed.lineAt(doc.range[2]));
}
