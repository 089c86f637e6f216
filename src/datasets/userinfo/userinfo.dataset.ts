// userinfo-exhaust: personal data of the active enrolments that consented to share it with the
// requesting org — only for collections that ask for that consent.
import type { Database } from '../../db/database.js';
import { type BatchScope, enrolmentsInScope } from '../collection/batch-scope.js';
import { collectionDataset, STREAM_CHUNK_ROWS } from '../collection/collection-dataset.js';
import { batchIdCell, dateCell, text } from '../collection/format.js';
import { type DatasetBuilder, DataError, DataErrorMessage } from '../dataset.js';

const columns = [
  'Collection Id', 'Collection Name', 'Batch Id', 'Batch Name', 'User UUID', 'User Name', 'User Type', 'User Sub Type',
  'State', 'District', 'Block', 'Cluster', 'School Id', 'School Name', 'Org Name', 'Email ID', 'Mobile Number',
  'Consent Provided', 'Consent Provided Date',
] as const;

export const userinfoDataset: DatasetBuilder = collectionDataset({
  id: 'userinfo-exhaust',
  reportKey: 'userinfo',
  check(collection) {
    if (!collection.userConsent) throw new DataError(DataErrorMessage.noConsent);
  },
  columns: () => columns,
  async *rows(ctx, scope) {
    const { collection, batch } = scope;
    const prefix = [collection.id, text(collection.name), batchIdCell(batch.id), text(batch.name)];
    for await (const chunk of consentedUsers(ctx.database, scope)) {
      yield chunk.map(([userId, firstName, lastName, userType, userSubType, state, district, block, cluster, schoolId, schoolName, orgName, email, phone, consentedOn]) => [
        ...prefix, userId, `${firstName ?? ''} ${lastName ?? ''}`.trim(), text(userType), text(userSubType),
        text(state), text(district), text(block), text(cluster), text(schoolId), text(schoolName),
        text(orgName), text(email), text(phone), 'true', dateCell(consentedOn, ctx.timeZone),
      ]);
    }
  },
});

type Text = string | null;
/** The columns of consentedUsers, in select order. */
type ConsentedUser = [
  userId: string, firstName: Text, lastName: Text, userType: Text, userSubType: Text, state: Text, district: Text, block: Text,
  cluster: Text, schoolId: Text, schoolName: Text, orgName: Text, email: Text, phone: Text, consentedOn: Text,
];

/**
 * Active enrolments with an ACTIVE consent for this collection given to the requesting channel
 * (the importer stores consent statuses upper-case). A consent to another org does not count.
 */
function consentedUsers(database: Database, scope: BatchScope) {
  const query = enrolmentsInScope(database.db, scope)
    .innerJoin('record_consent as c', (join) =>
      join.onRef('c.user_id', '=', 'e.user_id')
        .on('c.object_id', '=', scope.collection.id)
        .on('c.consumer_id', '=', scope.channel)
        .on('c.status', '=', 'ACTIVE'),
    )
    .select([
      'e.user_id', 'u.first_name', 'u.last_name', 'u.user_type', 'u.user_sub_type', 'u.state', 'u.district', 'u.block',
      'u.cluster', 'u.school_id', 'u.school_name', 'u.org_name', 'u.email', 'u.phone', 'c.last_updated_on',
    ])
    .orderBy('e.user_id');
  return database.streamRows<ConsentedUser>(query.compile(), STREAM_CHUNK_ROWS);
}
