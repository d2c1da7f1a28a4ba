#include "connectors/kafka/first_offsets.h"

#include <string>

#include "connectors/kafka/kafka_handles.h"

namespace hoso::connectors::kafka {

core::Status ResolveFirstOffsets(rd_kafka_t* client, rd_kafka_topic_partition_list_t* partitions,
                                 int timeout_ms) {
  PartitionListPtr first(rd_kafka_topic_partition_list_new(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = partitions->elems[i];
    if (tp.offset != RD_KAFKA_OFFSET_BEGINNING) continue;
    // offsets_for_times sends each element's offset as the timestamp to look
    // up, and the timestamp -2 asks for the partition's earliest offset.
    rd_kafka_topic_partition_list_add(first.get(), tp.topic, tp.partition)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (first->cnt == 0) return core::Status::Ok();
  if (rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(client, first.get(), timeout_ms);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::Status::Unavailable(std::string("first offsets of ") + std::to_string(first->cnt) +
                                     " partitions: " + rd_kafka_err2str(err));
  }
  for (int i = 0; i < first->cnt; ++i) {
    const rd_kafka_topic_partition_t& answer = first->elems[i];
    if (answer.err != RD_KAFKA_RESP_ERR_NO_ERROR || answer.offset < 0) continue;
    rd_kafka_topic_partition_t* tp =
        rd_kafka_topic_partition_list_find(partitions, answer.topic, answer.partition);
    if (tp != nullptr && tp->offset == RD_KAFKA_OFFSET_BEGINNING) tp->offset = answer.offset;
  }
  return core::Status::Ok();
}

}  // namespace hoso::connectors::kafka
