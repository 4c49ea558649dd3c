import { join } from 'node:path';
import type { YamlValue } from './internal/write-yaml.js';
import type { RunConfig } from './run-config.js';

/** How long the run is, in Megatron's units (after epochs were turned into samples). */
export type TrainLength = { trainSamples: number } | { trainIterations: number };

/** The two Hydra configs FlagScale's `run.py` reads, as plain objects. */
export interface FlagScaleConfigs {
  /** `<config-path>/train.yaml`: experiment, runner, environment, action. */
  experiment: { [key: string]: YamlValue };
  /** `<config-path>/train/<task name>.yaml`: FlagScale's system/model/data sections. */
  task: { [key: string]: YamlValue };
  /** The task config's name in the Hydra `train` group. */
  taskName: string;
}

/** Where FlagScale writes its outputs inside a run directory. */
export function flagScaleExperimentDirectory(runDirectory: string): string {
  return join(runDirectory, 'flagscale');
}

/**
 * FlagScale's experiment and task configs for a run, keyed as FlagScale's `examples/aquila/conf/train.yaml`
 * and `train/7b.yaml` are (Megatron argument names with `_`, grouped under system/model/data).
 */
export function createFlagScaleConfigs(options: {
  config: RunConfig;
  length: TrainLength;
  /** Continue from the run's own `checkpoints/` (Megatron reads its latest iteration) instead of `model.checkpoint`. */
  resume?: boolean;
}): FlagScaleConfigs {
  const { config, length } = options;
  const { model, optimizer, schedule, batch, parallelism, checkpoints, data, tokenizer } = config;
  const taskName = 'aquila';
  const bySamples = 'trainSamples' in length;
  const total = bySamples ? length.trainSamples : length.trainIterations;
  const warmup =
    schedule.warmupSamples !== undefined ? schedule.warmupSamples : Math.floor((schedule.warmupFraction ?? 0) * total);
  const warmupKey = schedule.warmupSamples !== undefined || bySamples ? 'lr_warmup_samples' : 'lr_warmup_iters';
  const dataPath: YamlValue =
    data.blend.length === 1 && data.blend[0]?.weight === 1
      ? data.blend[0].prefix
      : data.blend.flatMap(({ prefix, weight }) => [String(weight), prefix]);
  const precision: { [key: string]: YamlValue } =
    config.precision === 'fp32'
      ? {}
      : {
          [config.precision]: true,
          ...(config.precision === 'fp16' ? { initial_loss_scale: 65536, min_loss_scale: 1.0 } : {}),
          attention_softmax_in_fp32: true,
          accumulate_allreduce_grads_in_fp32: true,
        };
  const task: { [key: string]: YamlValue } = {
    system: {
      tensor_model_parallel_size: parallelism.tensor,
      pipeline_model_parallel_size: parallelism.pipeline,
      disable_bias_linear: true,
      use_flash_attn: true,
      use_distributed_optimizer: true,
      precision,
      logging: { log_interval: config.logInterval, tensorboard_log_interval: config.logInterval },
      checkpoint: {
        save_interval: checkpoints.saveInterval,
        ...(options.resume === true
          ? { load: join(flagScaleExperimentDirectory(config.output), 'checkpoints') }
          : model.checkpoint === undefined
            ? {}
            : { load: model.checkpoint, ...(config.task === 'sft' ? { finetune: true } : {}) }),
        ...(checkpoints.saveOptimizer ? {} : { no_save_optim: true }),
        ...(checkpoints.saveRng ? {} : { no_save_rng: true }),
      },
    },
    model: {
      num_layers: model.layers,
      hidden_size: model.hiddenSize,
      ffn_hidden_size: model.ffnHiddenSize,
      num_attention_heads: model.attentionHeads,
      seq_length: model.sequenceLength,
      max_position_embeddings: model.sequenceLength,
      norm_epsilon: model.normEpsilon,
      use_rotary_position_embeddings: true,
      rotary_base: model.ropeTheta,
      no_position_embedding: true,
      swiglu: true,
      normalization: 'RMSNorm',
      untie_embeddings_and_output_weights: true,
      init_method_std: 0.02,
      attention_dropout: 0.0,
      hidden_dropout: 0.0,
      weight_decay: optimizer.weightDecay,
      clip_grad: optimizer.clipGrad,
      [bySamples ? 'train_samples' : 'train_iters']: total,
      eval_iters: 0,
      micro_batch_size: batch.microBatchSize,
      global_batch_size: batch.globalBatchSize,
      seed: config.seed,
      optimizer: {
        weight_decay: optimizer.weightDecay,
        adam_beta1: optimizer.beta1,
        adam_beta2: optimizer.beta2,
        adam_eps: optimizer.eps,
        lr_scheduler: {
          lr: optimizer.lr,
          min_lr: optimizer.minLr,
          [warmupKey]: warmup,
          lr_decay_style: schedule.decayStyle,
        },
      },
    },
    data: {
      data_path: dataPath,
      split: data.split,
      ...(config.task === 'sft' ? { apply_sft_dataset_separated_loss_mask_if_existed: true } : {}),
      tokenizer: {
        legacy_tokenizer: true,
        tokenizer_type: 'AquilaTokenizerFS',
        vocab_file: tokenizer.vocabFile ?? './examples/aquila/tokenizer/vocab.json',
        merge_file: tokenizer.mergeFile ?? './examples/aquila/tokenizer/merges.txt',
        special_tokens_file: tokenizer.specialTokensFile ?? './examples/aquila/tokenizer/special_tokens.txt',
        vocab_size: model.vocabSize,
      },
    },
  };
  const experiment: { [key: string]: YamlValue } = {
    defaults: [{ train: taskName }, '_self_'],
    experiment: {
      exp_name: config.name,
      exp_dir: flagScaleExperimentDirectory(config.output),
      task: { type: 'train', backend: 'megatron', entrypoint: config.flagscale.entrypoint },
      runner: {
        backend: 'torchrun',
        nnodes: parallelism.nodes,
        nproc_per_node: parallelism.gpusPerNode,
        ...(parallelism.hostfile === undefined ? {} : { hostfile: parallelism.hostfile }),
      },
      envs: { CUDA_DEVICE_MAX_CONNECTIONS: 1, ...config.flagscale.environment },
    },
    action: 'run',
    // Hydra's own interpolation, written as FlagScale's configs spell it.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the value is Hydra syntax, not a template literal
    hydra: { run: { dir: '${experiment.exp_dir}/hydra' } },
  };
  return { experiment, task, taskName };
}
