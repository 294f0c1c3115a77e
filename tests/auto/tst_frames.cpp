// SPDX-License-Identifier: MIT
// Frames from the worker: the decoder on byte streams (splits, flags, part tables, the cap, the
// '{' rule), the fuzzers' seeds replayed, and a stream put out of step by user code.
#include "framedecoder.h"
#include "frameinput.h"
#include "framestream.h"
#include "testutil.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtEndian>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>

using namespace std::chrono_literals;
using namespace QtPyVenv;
using TestUtil::str;
using Internal::Frame;
using Internal::FrameDecoder;
using Internal::FrameInput;

namespace {

QByteArray word(quint32 value)
{
    QByteArray bytes(4, Qt::Uninitialized);
    qToBigEndian(value, bytes.data());
    return bytes;
}

// A frame as docs/protocol.md lays it out; with parts, the part table and the padding.
QByteArray frame(const QByteArray &json, const QList<QByteArray> &parts = {}, quint32 flags = 0)
{
    QByteArray body = json;
    if (!parts.isEmpty()) {
        body = word(quint32(parts.size())) + word(quint32(json.size()));
        for (const QByteArray &part : parts)
            body += word(quint32(part.size()));
        body += json;
        for (const QByteArray &part : parts)
            body += QByteArray(Internal::alignPart(body.size()) - body.size(), '\0') + part;
        flags |= Internal::FramePartsFlag;
    }
    return word(flags | quint32(body.size())) + body;
}

// What the decoder made of the bytes fed so far: one line per frame ("T " when tagged, the JSON,
// each part in brackets), then "error: ..." if the stream broke.
struct Decoded {
    QList<QByteArray> frames;
    QString error;
};

// Feeds a FrameDecoder or a FrameInput, in reads as big as it asks for.
template<typename Reader>
void feed(Reader &decoder, QByteArrayView bytes, Decoded *decoded)
{
    while (!bytes.isEmpty()) {
        qsizetype room = 0;
        char *const into = decoder.space(&room);
        const qsizetype count = std::min(room, bytes.size());
        std::memcpy(into, bytes.data(), size_t(count));
        decoder.received(count);
        bytes = bytes.sliced(count);
        Frame frame;
        while (decoder.next(&frame)) {
            QByteArray line = (frame.tagged ? "T " : "") + frame.json.toByteArray();
            for (const QByteArrayView part : frame.parts)
                line += " [" + part.toByteArray() + ']';
            decoded->frames.append(line);
        }
        decoded->error = decoder.error();
    }
}

Decoded decode(QByteArrayView bytes)
{
    FrameDecoder decoder;
    Decoded decoded;
    feed(decoder, bytes, &decoded);
    return decoded;
}

// Writes to the worker's lanes, found through its Channel wherever the descriptors are.
const char SaboteurSource[] = R"PY(
import gc, json, os, struct, threading

def _channel():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel" and type(obj).__module__ == "qtpyvenv_worker":
            return obj
    raise RuntimeError("no Channel in the worker")

def _frame_lane():
    return _channel()._out

def _wait_for(fifo):
    with open(fifo, "rb") as gate:
        gate.read(1)

def echo(value):
    return value

def stray(_fifo):
    os.write(_frame_lane(), struct.pack(">I", 4096))
    return 1

def pong_on_the_socket(fifo):
    # A whole, well-formed frame, but on the local worker's bulk lane with no marker for it; then
    # no result, so that only those bytes can end the call.
    message = json.dumps({"type": "pong", "opID": 0}, separators=(",", ":")).encode()
    os.write(_channel()._bulk, struct.pack(">I", len(message)) + message)
    _wait_for(fifo)
    return 1

def stray_when_told(fifo):
    def later():
        _wait_for(fifo)
        os.write(_frame_lane(), struct.pack(">I", 4096))
    threading.Thread(target=later, daemon=True).start()
    return 1

def half_a_frame(fifo):
    # As the worker's own writer of a big frame does: the frames of other threads (the answer to
    # the host's keep-alive ping) queue until it is through.
    channel = _channel()
    with channel._out_lock:
        channel._flushing = True
    message = json.dumps({"type": "pong", "opID": 0}, separators=(",", ":")).encode()
    data = struct.pack(">I", len(message)) + message
    os.write(channel._out, data[:10])
    _wait_for(fifo)
    os.write(channel._out, data[10:])
    with channel._out_lock:
        queued, channel._pending, channel._flushing = channel._pending, [], False
    if queued:
        channel.write(queued)
    return 2
)PY";

// A FIFO for a function of the saboteur's to wait on.
QString makeGate(const QTemporaryDir &dir, const QString &name)
{
    const QString path = dir.filePath(name);
    return ::mkfifo(QFile::encodeName(path).constData(), 0600) == 0 ? path : QString();
}

// Lets a function that waits on the FIFO go on (open() meets its reader).
bool openGate(const QString &fifo)
{
    const int fd = ::open(QFile::encodeName(fifo).constData(), O_WRONLY | O_CLOEXEC);
    const bool written = fd >= 0 && ::write(fd, "x", 1) == 1;
    if (fd >= 0)
        ::close(fd);
    return written;
}

// After a protocol failure, start() brings up a worker that serves calls again.
bool restartServes(Venv &venv)
{
    QJsonValue result;
    return venv.start().ok() && venv.callAndAwait(str("echo"), 5, &result).ok() && result == QJsonValue(5);
}

} // namespace

class tst_Frames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void splitAtEveryOffset();
    void flags();
    void partTables_data();
    void partTables();
    void cap();
    void braceRule_data();
    void braceRule();
    void bogusLengthReservesNothing();
    void partialFrameSizes();
    void fuzzCorpus_data();
    void fuzzCorpus();
    void twoLanesKeepTheWorkersOrder();
    void bulkMarkerOnOneLaneIsReserved();
    void wrongBytesFailTheCall_data();
    void wrongBytesFailTheCall();
    void strayPrefixWhileIdleDies();
    void stalledFrameDuringCallIsWaitedFor();
    void cleanupTestCase();

private:
    QTemporaryDir m_dir;   // the venvs' baseDir
    QTemporaryDir m_gates; // FIFOs
};

void tst_Frames::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_gates.isValid());
}

void tst_Frames::splitAtEveryOffset()
{
    const QByteArray stream = frame(R"({"type":"ready"})") + frame(R"({"a":1})", {}, Internal::FrameTaggedFlag)
        + frame(R"({"b":[{"\u0000":0},{"\u0000":1}]})", {"xyz", ""}, Internal::FrameTaggedFlag)
        + frame(R"({})", {QByteArray(40, 'p')});
    const QList<QByteArray> expected = {R"({"type":"ready"})", R"(T {"a":1})",
                                        R"(T {"b":[{"\u0000":0},{"\u0000":1}]} [xyz] [])",
                                        "{} [" + QByteArray(40, 'p') + ']'};
    QCOMPARE(decode(stream).frames, expected);
    for (qsizetype at = 0; at <= stream.size(); ++at) {
        FrameDecoder decoder;
        Decoded decoded;
        feed(decoder, QByteArrayView(stream).first(at), &decoded);
        feed(decoder, QByteArrayView(stream).sliced(at), &decoded);
        QCOMPARE(decoded.frames, expected);
        QCOMPARE(decoded.error, QString());
        QCOMPARE(decoder.partialBytes(), 0);
    }
    FrameDecoder decoder;
    Decoded decoded;
    for (const char byte : stream)
        feed(decoder, QByteArrayView(&byte, 1), &decoded);
    QCOMPARE(decoded.frames, expected);
}

void tst_Frames::flags()
{
    QCOMPARE(decode(frame("{}", {}, Internal::FrameTaggedFlag)).frames, QList<QByteArray>{"T {}"});
    const Decoded reserved = decode(word(Internal::FrameReservedFlag | 2));
    QVERIFY2(reserved.error.contains(str("reserved flag")), qPrintable(reserved.error));
    // Parts without the tag flag: the parts are there, the JSON holds no tag objects.
    QCOMPARE(decode(frame("{}", {"a"})).frames, QList<QByteArray>{"{} [a]"});
}

void tst_Frames::partTables_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");
    const QByteArray good = frame("{}", {"abcd", ""});
    const QByteArray body = good.sliced(4);
    const quint32 flags = Internal::FramePartsFlag;
    const QString table = str("part table does not add up");
    QTest::newRow("good") << good << QString();
    QTest::newRow("no table") << word(flags | 7) + body.first(7) << table;
    QTest::newRow("count past the body") << word(flags | 12) + word(2) + word(0) + word(0) << table;
    QTest::newRow("JSON past the body") << word(flags | 16) + word(1) + word(100) + word(0) + "{}{}" << table;
    QTest::newRow("body too long") << word(flags | quint32(body.size() + 1)) + body + '\0' << table;
    QTest::newRow("body too short") << word(flags | quint32(body.size() - 1)) + body.chopped(1) << table;
    QTest::newRow("no JSON") << frame("", {"a"}) << str("without JSON");
    // The table is checked as soon as it is in: a bogus one fails before its parts arrive.
    QTest::newRow("early") << word(flags | 1000) + word(1) + word(2) + word(10) << table;
}

void tst_Frames::partTables()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    const Decoded decoded = decode(bytes);
    if (error.isEmpty()) {
        QCOMPARE(decoded.error, QString());
        QCOMPARE(decoded.frames, QList<QByteArray>{"{} [abcd] []"});
    } else {
        QVERIFY2(decoded.error.contains(error), qPrintable(decoded.error));
        QVERIFY(decoded.frames.isEmpty());
    }
}

void tst_Frames::cap()
{
    FrameDecoder decoder;
    Decoded decoded;
    feed(decoder, word(Internal::MaxFrameBytes) + '{', &decoded);
    QCOMPARE(decoded.error, QString());
    QCOMPARE(decoder.partialFrameBytes(), 4 + qsizetype(Internal::MaxFrameBytes));
    const Decoded over = decode(word(Internal::MaxFrameBytes + 1));
    QVERIFY2(over.error.contains(str("over the cap")), qPrintable(over.error));
}

void tst_Frames::braceRule_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("broken");
    const QByteArray reply = frame(R"({"type":"call_done","callID":1,"ok":true,"result":1})");
    QTest::newRow("object") << reply << false;
    // A stray length prefix swallows the next frame's word as the start of its body: caught
    // with the first byte after the prefix, not when its 4096 bytes are in.
    QTest::newRow("stray prefix") << word(4096) + reply << true;
    QTest::newRow("stray prefix, one byte more") << word(4096) + reply.first(1) << true;
    QTest::newRow("space first") << frame(" {}") << true;
    QTest::newRow("array") << frame("[1]") << true;
    QTest::newRow("empty") << word(0) << true;
    const QByteArray tagged = frame("[]", {QByteArray(64, 'x')}, Internal::FrameTaggedFlag);
    QTest::newRow("parts, JSON not an object, before the parts") << tagged.first(tagged.indexOf('[') + 1) << true;
    QTest::newRow("parts, object") << frame("{}", {QByteArray(64, 'x')}) << false;
}

void tst_Frames::braceRule()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, broken);
    const Decoded decoded = decode(bytes);
    if (broken) {
        QVERIFY2(decoded.error.contains(str("'{'")) || decoded.error.contains(str("without JSON")),
                 qPrintable(decoded.error));
        QVERIFY(decoded.frames.isEmpty());
    } else {
        QCOMPARE(decoded.error, QString());
        QCOMPARE(decoded.frames.size(), 1);
    }
}

void tst_Frames::bogusLengthReservesNothing()
{
    // A length alone is no reason to make room for 200 MiB; a frame that starts as one is.
    FrameDecoder decoder;
    Decoded decoded;
    feed(decoder, word(200 << 20), &decoded);
    qsizetype room = 0;
    decoder.space(&room);
    decoder.received(0);
    QVERIFY(room < 1 << 20);
    feed(decoder, "{", &decoded);
    decoder.space(&room);
    decoder.received(0);
    QCOMPARE(room, (200 << 20) - 1);
}

void tst_Frames::partialFrameSizes()
{
    FrameDecoder decoder;
    Decoded decoded;
    QCOMPARE(decoder.partialBytes(), 0);
    feed(decoder, word(11).first(2), &decoded);
    QCOMPARE(decoder.partialBytes(), 2);
    QCOMPARE(decoder.partialFrameBytes(), 4);
    feed(decoder, word(11).sliced(2) + "{\"a\"", &decoded);
    QCOMPARE(decoder.partialBytes(), 8);
    QCOMPARE(decoder.partialFrameBytes(), 15);
    feed(decoder, ":[1,2]}", &decoded);
    QCOMPARE(decoded.frames, QList<QByteArray>{R"({"a":[1,2]})"});
    QCOMPARE(decoder.partialBytes(), 0);
}

void tst_Frames::fuzzCorpus_data()
{
    QTest::addColumn<QString>("path");
    QDirIterator seeds(str(QTPYVENV_SOURCE_DIR "/tests/fuzz/corpus"), QDir::Files);
    while (seeds.hasNext()) {
        const QString path = seeds.next();
        QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
    }
}

void tst_Frames::fuzzCorpus()
{
    // The libFuzzer target's entry (tests/fuzz) over its seeds: in every build, with gcc.
    QFETCH(QString, path);
    QFile seed(path);
    QVERIFY(seed.open(QIODevice::ReadOnly));
    const QByteArray bytes = seed.readAll();
    QString problem;
    QVERIFY2(Fuzz::readFrameStream(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()), &problem),
             qPrintable(problem));
}

void tst_Frames::twoLanesKeepTheWorkersOrder()
{
    // Small frames on the frame lane, big ones on the bulk lane where their markers stand.
    const QByteArray marker = word(Internal::BulkMarkerWord);
    const QByteArray bigJson = "{\"big\":\"" + QByteArray(20000, 'b') + "\"}";
    const QByteArray big = frame(bigJson);
    FrameInput input;
    input.setLanes(10, 11);
    QCOMPARE(input.fd(), 10);
    QCOMPARE(input.lanesToWatch(), (std::array<int, 2>{10, 11}));
    Decoded decoded;
    feed(input, frame("{\"n\":1}") + marker + frame("{\"n\":3}") + marker, &decoded);
    QCOMPARE(decoded.frames, QList<QByteArray>{"{\"n\":1}"});
    QVERIFY(input.onBulkLane());
    QCOMPARE(input.fd(), 11);
    QCOMPARE(input.lanesToWatch(), (std::array<int, 2>{11, -1})); // the frame lane waits behind
    QCOMPARE(input.partialBytes(), 4); // the marker: the frame it announces has begun
    feed(input, big.first(100), &decoded);
    QCOMPARE(input.partialBytes(), 104);
    QCOMPARE(input.partialFrameBytes(), 4 + big.size());
    feed(input, big.sliced(100), &decoded);
    const QList<QByteArray> three = {"{\"n\":1}", bigJson, "{\"n\":3}"};
    QCOMPARE(decoded.frames, three);
    QCOMPARE(input.fd(), 11); // the second marker
    feed(input, frame("{}", {"part"}), &decoded);
    QCOMPARE(decoded.frames.size(), 4);
    QCOMPARE(decoded.frames.last(), QByteArray("{} [part]"));
    QCOMPARE(input.fd(), 10);
    QCOMPARE(input.partialBytes(), 0);
    QCOMPARE(decoded.error, QString());
}

void tst_Frames::bulkMarkerOnOneLaneIsReserved()
{
    const Decoded decoded = decode(word(Internal::BulkMarkerWord) + frame("{}"));
    QVERIFY(decoded.frames.isEmpty());
    QVERIFY2(decoded.error.contains(str("reserved flag")), qPrintable(decoded.error));
    // On the bulk lane of two a marker is as wrong as on one lane.
    FrameInput input;
    input.setLanes(10, 11);
    Decoded onBulk;
    feed(input, word(Internal::BulkMarkerWord), &onBulk);
    QVERIFY(input.onBulkLane());
    feed(input, word(Internal::BulkMarkerWord), &onBulk);
    QVERIFY(onBulk.frames.isEmpty());
    QVERIFY2(onBulk.error.contains(str("reserved flag")), qPrintable(onBulk.error));
}

void tst_Frames::wrongBytesFailTheCall_data()
{
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("reason");
    // The frame lane's next frame word then starts with '{'.
    QTest::newRow("stray prefix") << str("stray") << str("'{'");
    QTest::newRow("frame on the socket out of turn") << str("pong_on_the_socket") << str("out of turn");
}

void tst_Frames::wrongBytesFailTheCall()
{
    QFETCH(QString, function);
    QFETCH(QString, reason);
    const QString fifo = makeGate(m_gates, function);
    QVERIFY(!fifo.isEmpty());
    Venv venv(TestUtil::config(m_dir.path(), {str(SaboteurSource)}));
    QVERIFY(venv.start().ok());
    QSignalSpy died(&venv, &Venv::died);
    QElapsedTimer waited;
    waited.start();
    const Error error = venv.callAndAwait(function, fifo, nullptr, QDeadlineTimer(20s));
    QCOMPARE(error.code, ErrorCode::ProtocolError);
    QVERIFY2(error.message.contains(reason), qPrintable(error.message));
    QVERIFY2(waited.elapsed() < 10000, "no wait for a stall bound: the bytes are wrong as soon as they are there");
    QVERIFY(died.wait());
    QCOMPARE(died.first().first().value<Error>().code, ErrorCode::ProtocolError);
    QCOMPARE(venv.state(), State::Died);
    QVERIFY(restartServes(venv));
}

void tst_Frames::strayPrefixWhileIdleDies()
{
    const QString fifo = makeGate(m_gates, str("idle"));
    QVERIFY(!fifo.isEmpty());
    Venv venv(TestUtil::config(m_dir.path(), {str(SaboteurSource)}));
    QVERIFY(venv.start().ok());
    QSignalSpy died(&venv, &Venv::died);
    QVERIFY(venv.callAndAwait(str("stray_when_told"), fifo).ok());
    QVERIFY(openGate(fifo)); // the prefix is written now, with no call running
    QElapsedTimer waited;
    waited.start();
    QVERIFY(died.wait(15000));
    QVERIFY2(waited.elapsed() < 10000, "a stalled frame is a protocol error within its bound");
    const Error error = died.first().first().value<Error>();
    QCOMPARE(error.code, ErrorCode::ProtocolError);
    QVERIFY2(error.message.contains(str("the worker sent 4 of the 4100 bytes of a frame and then nothing for 2 s")),
             qPrintable(error.message));
    QVERIFY(restartServes(venv));
}

void tst_Frames::stalledFrameDuringCallIsWaitedFor()
{
    // While a call runs, a half-written frame may be a big result whose writer waits for the GIL.
    const QString fifo = makeGate(m_gates, str("call"));
    QVERIFY(!fifo.isEmpty());
    Venv venv(TestUtil::config(m_dir.path(), {str(SaboteurSource)}));
    QVERIFY(venv.start().ok());
    QSignalSpy died(&venv, &Venv::died);
    const QString id = venv.call(str("half_a_frame"), fifo);
    QVERIFY(!id.isEmpty());
    QTest::qWait(3000); // past the stall bound: nothing may happen
    QCOMPARE(venv.state(), State::Ready);
    QVERIFY(openGate(fifo));
    QJsonValue result;
    QVERIFY(venv.await(id, &result, QDeadlineTimer(20s)).ok());
    QCOMPARE(result, QJsonValue(2));
    QVERIFY(died.isEmpty());
}

void tst_Frames::cleanupTestCase()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Frames)
#include "tst_frames.moc"
