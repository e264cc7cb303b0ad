/**
 * Reference vectors computed by the reference implementation (OpenJDK 17): `text.split(delimiter)` as
 * CSVToJSONDataConverter splits a record, and SingleLineDataConverter's split("\n") + trim + join. Generated, not
 * typed: regenerate rather than edit.
 */

/** [delimiter (a Java regex), text, Java's String.split result]. */
export const JAVA_SPLIT_VECTORS: readonly (readonly [string, string, readonly string[]])[] = [
  [",","a,b,c",["a","b","c"]],
  [",","a,,b,,",["a","","b"]],
  [",",",a",["","a"]],
  [",","",[""]],
  [",",",,",[]],
  [",","no delimiter",["no delimiter"]],
  ["\\t","a\tb c\td",["a","b c","d"]],
  ["\\t","\t\tx\t",["","","x"]],
  ["\\s*;\\s*","p ;  q;r ; ",["p","q","r"]],
  ["|","p|q",["p","|","q"]],
  ["x*","ab",["a","b"]],
  ["\\|","p|q||",["p","q"]],
  [".","a.b",[]],
  ["\\.","a.b",["a","b"]],
  ["ab","xabyabab",["x","y"]],
  ["(,)","a,b",["a","b"]],
  ["\\s+"," a  b ",["","a","b"]],
  ["a?","banana",["b","","n","","n"]],
  ["","abc",["a","b","c"]],
  ["(?=b)","abab",["a","ba","b"]],
  [";","é;中;😀",["é","中","😀"]],
];

/** [record, what SingleLineDataConverter makes of it]. */
export const JAVA_SINGLELINE_VECTORS: readonly (readonly [string, string])[] = [
  ["first line \n   second\tline\n\tthird\n","first linesecond\tlinethird\n"],
  ["a\r\n b\r\n\n\n","ab\n"],
  ["a\n\nb\n","ab\n"],
  ["","\n"],
  ["\n","\n"],
  ["  only  ","only\n"],
  ["\u0000x\u001f\n y \n","x y \n"],
  ["　wide　\n","　wide　\n"],
];
