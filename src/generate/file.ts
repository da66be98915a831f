/** One file of a generated build context (output/<image>/…). */
export interface GeneratedFile {
  /** Path inside output/<image>/. */
  path: string;
  content: Buffer;
  executable: boolean;
}
