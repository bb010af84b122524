/** Why one record (or the batch itself) was refused; the codes are part of the API contract. */
export type FailureCode =
  | 'required'
  | 'invalid_type'
  | 'invalid_format'
  | 'out_of_range'
  | 'too_long'
  | 'invalid_value'
  | 'unknown_page_visit'
  | 'id_conflict'
  | 'immutable_field';

export type RecordType = 'pageVisit' | 'tabAggregate' | 'batch';

export interface FailedRecord {
  type: RecordType;
  /** Position in its array; null for problems with the batch itself. */
  index: number | null;
  /** The record's id when it was a string, else null. */
  id: string | null;
  field: string | null;
  code: FailureCode;
  error: string;
}
