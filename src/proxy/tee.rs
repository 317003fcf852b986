//! A body passed on frame by frame as it streams (nothing waits for the whole of it), with a
//! copy of its first bytes kept for the judge: [`Tee`]. When the body has ended — or is dropped
//! — what was kept goes to the judge through a one-shot channel.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;

use crate::judge;

/// What a tee kept of its body.
#[derive(Debug)]
pub(super) struct Kept {
    pub body: judge::Body,
    /// The body ended (rather than the tee being dropped half-way, or failing).
    pub complete: bool,
}

/// `inner`, streamed unchanged; its first `cap` bytes copied.
pub(super) struct Tee<B> {
    inner: B,
    kept: BytesMut,
    cap: usize,
    over_cap: bool,
    failed: bool,
    done: Option<oneshot::Sender<Kept>>,
}

impl<B: Body<Data = Bytes> + Unpin> Tee<B> {
    /// The tee of `inner`, and where what it kept arrives.
    pub(super) fn new(inner: B, cap: usize) -> (Tee<B>, oneshot::Receiver<Kept>) {
        let (done, kept) = oneshot::channel();
        let hint = usize::try_from(inner.size_hint().lower()).unwrap_or(cap);
        let tee = Tee {
            inner,
            kept: BytesMut::with_capacity(hint.min(cap)),
            cap,
            over_cap: false,
            failed: false,
            done: Some(done),
        };
        (tee, kept)
    }

    fn keep(&mut self, data: &Bytes) {
        if self.over_cap {
            return;
        }
        if self.kept.len() + data.len() > self.cap {
            self.over_cap = true;
            let room = self.cap - self.kept.len();
            self.kept.extend_from_slice(&data[..room]);
        } else {
            self.kept.extend_from_slice(data);
        }
    }

    fn finish(&mut self, complete: bool) {
        if let Some(done) = self.done.take() {
            let body = judge::Body {
                bytes: std::mem::take(&mut self.kept).freeze(),
                over_cap: self.over_cap,
            };
            let _ = done.send(Kept { body, complete });
        }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Tee<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.keep(data);
                }
                if this.inner.is_end_stream() {
                    this.finish(true);
                }
            }
            Poll::Ready(Some(Err(_))) => {
                this.failed = true;
                this.finish(false);
            }
            Poll::Ready(None) => this.finish(true),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for Tee<B> {
    /// A body that was never read because it was empty (hyper does not poll an ended body)
    /// is complete; one dropped half-way is not.
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let complete = !self.failed && self.kept.is_empty() && !self.over_cap;
            let body = judge::Body {
                bytes: std::mem::take(&mut self.kept).freeze(),
                over_cap: self.over_cap,
            };
            let _ = done.send(Kept { body, complete });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Full, StreamBody};

    #[tokio::test]
    async fn passes_every_byte_and_keeps_the_first_ones() {
        let chunks: Vec<Result<Frame<Bytes>, std::convert::Infallible>> = vec![
            Ok(Frame::data(Bytes::from_static(b"hello "))),
            Ok(Frame::data(Bytes::from_static(b"world"))),
        ];
        let inner = StreamBody::new(futures::stream::iter(chunks));
        let (tee, kept) = Tee::new(inner, 8);
        let passed = tee.collect().await.unwrap().to_bytes();
        assert_eq!(&passed[..], b"hello world");
        let kept = kept.await.unwrap();
        assert!(kept.complete && kept.body.over_cap);
        assert_eq!(&kept.body.bytes[..], b"hello wo");
    }

    #[tokio::test]
    async fn an_empty_body_never_polled_is_complete() {
        let (tee, kept) = Tee::new(Full::new(Bytes::new()), 8);
        drop(tee);
        let kept = kept.await.unwrap();
        assert!(kept.complete && kept.body.bytes.is_empty());
    }
}
