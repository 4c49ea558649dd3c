const modelFilePattern =
  /(^|\/)(config\.json|params\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|vocab\.json|merges\.txt|special_tokens_map\.json|added_tokens\.json|[^/]*\.safetensors|[^/]*\.safetensors\.index\.json|pytorch_model[^/]*\.bin|pytorch_model\.bin\.index\.json)$/;

/** Whether a repository file is part of a model: configs, tokenizer files, weights and their indexes (not READMEs, images, ...). */
export function isModelFile(path: string): boolean {
  return modelFilePattern.test(path);
}
