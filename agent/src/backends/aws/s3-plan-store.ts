import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PlanPointer } from '@dockercise/shared/node';

/** Reads a plan too large for its queue message from the object its job points at. */
export async function fetchPlanObject(s3: S3Client, pointer: PlanPointer): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
  return object.Body ? object.Body.transformToByteArray() : new Uint8Array();
}
