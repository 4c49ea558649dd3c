import { describe, expect, it } from 'vitest';
import * as data from './index.js';

describe('@aquila/data public surface', () => {
  it('exports exactly the documented API', () => {
    expect(Object.keys(data).sort()).toMatchInlineSnapshot(`
      [
        "BuildConfigError",
        "InputFileError",
        "NoDocumentsError",
        "SourceColumnsError",
        "SourceEncodingError",
        "SourceFetchError",
        "SourceFormatError",
        "buildDataset",
        "fetchSources",
        "formatBuildReportTable",
        "packJsonl",
        "parseCsv",
        "readTextChunks",
        "renderFlagAiSftRecord",
        "renderPretrainingText",
        "renderPromptAndAnswer",
        "renderTrlRecord",
        "sourceAdapters",
      ]
    `);
  });
});
