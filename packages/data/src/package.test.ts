import { describe, expect, it } from 'vitest';
import * as data from './index.js';

describe('@aquila/data public surface', () => {
  it('exports exactly the documented API', () => {
    expect(Object.keys(data).sort()).toMatchInlineSnapshot(`
      [
        "BuildConfigError",
        "ChecksumMismatchError",
        "DownloadError",
        "IndexedDatasetFormatError",
        "InputFileError",
        "LossMaskLengthError",
        "NoDocumentsError",
        "SourceColumnsError",
        "SourceEncodingError",
        "SourceFormatError",
        "TokenRangeError",
        "aquilaChatSystem",
        "autotrainNlToSqlSource",
        "buildAquilaSqlAnswer",
        "buildAquilaSqlPrompt",
        "buildDataset",
        "cleanQuestion",
        "cleanRecord",
        "cleanSql",
        "createDeduplicator",
        "createIndexedDatasetWriter",
        "createSftIndexedDatasetWriter",
        "createSqlValidator",
        "decodeIndexedDatasetIndex",
        "documentFramingIds",
        "encodeIndexedDatasetIndex",
        "fetchSourceFiles",
        "formatBuildReportTable",
        "hubFileUrl",
        "isNonCommercialLicence",
        "llama2SqlDatasetSource",
        "loadBuildConfig",
        "openIndexedDataset",
        "optimalDtype",
        "packJsonl",
        "parseCreateTables",
        "parseCsv",
        "pgGpt4SqlSource",
        "pgWikiSqlSource",
        "readTextChunks",
        "renderBuildReportHtml",
        "renderFlagAiSftRecord",
        "renderPretrainingText",
        "renderPromptAndAnswer",
        "renderTrlRecord",
        "samplesDirectory",
        "sourceAdapters",
        "sourceFiles",
        "sqlContextInstructionsSource",
        "sqlCreateContextSource",
        "symbolicInstructionTuningSqlSource",
        "textToSqlV1Source",
        "tokenizeAquilaConversation",
        "validateBuildConfig",
        "wikiSqlSchema",
        "wikiSqlToSql",
        "writeIndexedDataset",
      ]
    `);
  });

  it('the README prompt example holds', () => {
    expect(
      data.buildAquilaSqlPrompt({
        question: 'How many heads are older than 56?',
        schema: 'CREATE TABLE head (age INTEGER)',
      }),
    ).toBe(
      '有多个数据库表，信息如下：\n表名为head，包含的属性为head.age，它们之间的关系为\n请为下面的问题编写sql查询语句：\nHow many heads are older than 56? ',
    );
  });
});
