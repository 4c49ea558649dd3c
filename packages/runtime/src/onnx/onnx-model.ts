import { ProtobufWriter } from './protobuf-writer.js';

/** ONNX TensorProto.DataType values used by the decoder graphs. */
const onnxElementTypes = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, float16: 10 } as const;

type OnnxElementType = keyof typeof onnxElementTypes;

/** Where an initializer's bytes live: inline in the model, or at an offset of an external data file. */
export type OnnxTensorData = { raw: Uint8Array } | { location: string; offset: number; length: number };

export interface OnnxInitializer {
  name: string;
  elementType: OnnxElementType;
  dims: readonly number[];
  data: OnnxTensorData;
}

export interface OnnxValueInfo {
  name: string;
  elementType: OnnxElementType;
  /** Fixed sizes as numbers, symbolic ones (`batch_size`) as strings. */
  shape: readonly (number | string)[];
}

type OnnxAttribute = { int: number } | { float: number } | { string: string } | { ints: readonly number[] };

export interface OnnxNode {
  opType: string;
  /** `''` for the default domain, `com.microsoft` for contrib ops. */
  domain?: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

function encodeAttribute(name: string, attribute: OnnxAttribute): Uint8Array {
  const writer = new ProtobufWriter().string(1, name);
  // AttributeProto.type: FLOAT 1, INT 2, STRING 3, INTS 7.
  if ('int' in attribute) writer.integer(3, attribute.int).integer(20, 2);
  else if ('float' in attribute) writer.float(2, attribute.float).integer(20, 1);
  else if ('string' in attribute) writer.string(4, attribute.string).integer(20, 3);
  else writer.packedIntegers(8, attribute.ints).integer(20, 7);
  return writer.finish();
}

function encodeNode(node: OnnxNode): Uint8Array {
  const writer = new ProtobufWriter();
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, node.name).string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {}))
    writer.bytes(5, encodeAttribute(name, attribute));
  if (node.domain) writer.string(7, node.domain);
  return writer.finish();
}

function encodeInitializer(tensor: OnnxInitializer): Uint8Array {
  const writer = new ProtobufWriter()
    .packedIntegers(1, tensor.dims)
    .integer(2, onnxElementTypes[tensor.elementType])
    .string(8, tensor.name);
  if ('raw' in tensor.data) return writer.bytes(9, tensor.data.raw).finish();
  const entries: [string, string][] = [
    ['location', tensor.data.location],
    ['offset', String(tensor.data.offset)],
    ['length', String(tensor.data.length)],
  ];
  for (const [key, value] of entries) writer.bytes(13, new ProtobufWriter().string(1, key).string(2, value).finish());
  return writer.integer(14, 1).finish(); // data_location = EXTERNAL
}

function encodeValueInfo(info: OnnxValueInfo): Uint8Array {
  const shape = new ProtobufWriter();
  for (const dimension of info.shape) {
    const dim = new ProtobufWriter();
    if (typeof dimension === 'number') dim.integer(1, dimension);
    else dim.string(2, dimension);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new ProtobufWriter()
    .integer(1, onnxElementTypes[info.elementType])
    .bytes(2, shape.finish())
    .finish();
  const type = new ProtobufWriter().bytes(1, tensorType).finish();
  return new ProtobufWriter().string(1, info.name).bytes(2, type).finish();
}

/** Encodes an ONNX ModelProto (IR 10, opset 21 plus com.microsoft 1) for onnxruntime. */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const graphWriter = new ProtobufWriter();
  for (const node of graph.nodes) graphWriter.bytes(1, encodeNode(node));
  graphWriter.string(2, graph.name);
  for (const initializer of graph.initializers) graphWriter.bytes(5, encodeInitializer(initializer));
  for (const input of graph.inputs) graphWriter.bytes(11, encodeValueInfo(input));
  for (const output of graph.outputs) graphWriter.bytes(12, encodeValueInfo(output));
  const model = new ProtobufWriter()
    .integer(1, 10)
    .string(2, '@aquila/runtime')
    .string(3, '0.0.0')
    .bytes(7, graphWriter.finish());
  model.bytes(8, new ProtobufWriter().string(1, '').integer(2, 21).finish());
  model.bytes(8, new ProtobufWriter().string(1, 'com.microsoft').integer(2, 1).finish());
  return model.finish();
}
