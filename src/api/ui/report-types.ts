// What each report is, in words for the person choosing one on the reports page.
export interface ReportType {
  readonly title: string;
  /** One line on what the report holds. */
  readonly holds: string;
  /** When it is refused, completing "Refused when …" (the page writes the label). */
  readonly refusedWhen: string;
}

export const REPORT_TYPES: Readonly<Record<string, ReportType>> = {
  'progress-exhaust': {
    title: 'Progress report',
    holds: 'A row per enrolled learner: progress, completion date, certificate, and the best score of each assessment.',
    refusedWhen: 'the course is retired or the batch has no active learners.',
  },
  'response-exhaust': {
    title: 'Assessment responses',
    holds: 'A row per question of every assessment attempt made in the batch, with the answer given and its score.',
    refusedWhen: 'the course is retired or nobody in the batch attempted an assessment.',
  },
  'userinfo-exhaust': {
    title: 'Learner details',
    holds: 'Names, contact details and school of the learners who consented to share them with your organisation.',
    refusedWhen: 'the course does not ask learners for consent to share their details.',
  },
};
