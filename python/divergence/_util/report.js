(function(){"use strict";
var D=JSON.parse(document.getElementById("dv-data").textContent);
var $=function(id){return document.getElementById(id);};
var NS="http://www.w3.org/2000/svg";
function el(tag,attrs,text){var n=document.createElement(tag);
 if(attrs)for(var k in attrs)n.setAttribute(k,attrs[k]);if(text!=null)n.textContent=text;return n;}
function sv(tag,attrs,text){var n=document.createElementNS(NS,tag);
 if(attrs)for(var k in attrs)n.setAttribute(k,attrs[k]);if(text!=null)n.textContent=text;return n;}
function clear(n){while(n.firstChild)n.removeChild(n.firstChild);}
function f3(v){return (Math.abs(v)>=100||v===0)?String(Math.round(v*10)/10):v.toPrecision(3);}
var sel=$("pair"),scale=$("scale"),search=$("search"),plot=$("plot"),tip=$("tip");
var W=600,H=600,L=52,B=44,T=12,R=12;
D.pairs.forEach(function(p,i){sel.appendChild(el("option",{value:String(i)},p.label));});
var cur=null,picked=-1,dots=[];
function sideName(p,s){return s===0?D.groups[p.a]:(p.b<0?"rest":D.groups[p.b]);}
function color(z,zmax){var t=Math.max(-1,Math.min(1,z/zmax));
 var a=[187,187,187],c=t>0?[213,94,0]:[0,114,178],u=Math.abs(t);
 return "rgb("+[0,1,2].map(function(i){return Math.round(a[i]+(c[i]-a[i])*u);}).join(",")+")";}
function ranks(v){var u=v.slice().sort(function(x,y){return x-y;}).filter(function(x,i,a){return i===0||x!==a[i-1];});
 var pos={};u.forEach(function(x,i){pos[x]=i/Math.max(1,u.length-1);});return v.map(function(x){return pos[x];});}
function draw(){var p=D.pairs[+sel.value];cur=p;dots=[];clear(plot);
 plot.setAttribute("viewBox","0 0 "+W+" "+H);
 var n=p.t.length,log=scale.value==="log",xa,ya;
 if(log){var mx=0;for(var i=0;i<n;i++)mx=Math.max(mx,p.ca[i],p.cb[i]);
  var lm=Math.log10(mx+1)||1;xa=p.cb.map(function(c){return Math.log10(c+1)/lm;});
  ya=p.ca.map(function(c){return Math.log10(c+1)/lm;});}
 else{xa=ranks(p.cb);ya=ranks(p.ca);}
 var pw=W-L-R,ph=H-T-B;
 plot.appendChild(sv("rect",{x:L,y:T,width:pw,height:ph,fill:"#fff",stroke:"#999"}));
 plot.appendChild(sv("line",{x1:L,y1:T+ph,x2:L+pw,y2:T,stroke:"#ddd"}));
 plot.appendChild(sv("text",{x:L+pw/2,y:H-8,"text-anchor":"middle"},
  "frequency in "+sideName(p,1)+(log?" (log10 count+1, scaled)":" (dense rank of count)")));
 var yl=sv("text",{x:14,y:T+ph/2,"text-anchor":"middle",transform:"rotate(-90 14 "+(T+ph/2)+")"},
  "frequency in "+sideName(p,0)+(log?" (log10 count+1, scaled)":" (dense rank of count)"));plot.appendChild(yl);
 var zmax=0;for(i=0;i<n;i++)zmax=Math.max(zmax,Math.abs(p.z[i]));zmax=Math.max(1.96,Math.min(zmax,8));
 var order=p.z.map(function(_,i){return i;});
 order.sort(function(x,y){return Math.abs(p.z[x])-Math.abs(p.z[y]);});
 order.forEach(function(i){var c=sv("circle",{cx:(L+xa[i]*pw).toFixed(1),cy:(T+ph-ya[i]*ph).toFixed(1),
  r:3.2,fill:color(p.z[i],zmax),"fill-opacity":"0.85"});c.dataset.i=String(i);
  dots[i]=c;plot.appendChild(c);});
 var top=order.slice(-12);top.forEach(function(i){plot.appendChild(sv("text",
  {x:(L+xa[i]*pw+5).toFixed(1),y:(T+ph-ya[i]*ph+3).toFixed(1)},D.vocab[p.t[i]]));});
 $("legend").textContent="";var lg=$("legend");lg.appendChild(document.createTextNode("log-odds z: "+sideName(p,1)+" "));
 lg.appendChild(el("span",{"class":"sw"}));lg.appendChild(document.createTextNode(" "+sideName(p,0)+
  " (|z| "+f3(zmax)+" and beyond saturate); "+n+" terms shown"));
 lists(p);picked=-1;clear($("kwic"));$("kwic").appendChild(el("p",{"class":"note"},
  "Click a term (or choose one in a list and press Enter) to see statements that use it."));
 if(search.value)find();}
function lists(p){[0,1].forEach(function(s){var ul=$("list"+s);clear(ul);
 $("head"+s).textContent="more typical of "+sideName(p,s);
 var idx=p.z.map(function(_,i){return i;}).filter(function(i){return s===0?p.z[i]>0:p.z[i]<0;});
 idx.sort(function(x,y){return s===0?p.z[y]-p.z[x]:p.z[x]-p.z[y];});
 idx.slice(0,40).forEach(function(i){var li=el("li"),b=el("button",{type:"button"},
  D.vocab[p.t[i]]+"  (z "+f3(p.z[i])+")");b.dataset.i=String(i);li.appendChild(b);ul.appendChild(li);});});}
function info(i){var p=cur;return D.vocab[p.t[i]]+"\n"+sideName(p,0)+": "+p.ca[i]+" ("+
 f3(1000*p.ca[i]/p.na)+" per 1000)\n"+sideName(p,1)+": "+p.cb[i]+" ("+f3(1000*p.cb[i]/p.nb)+
 " per 1000)\nlog-odds z: "+f3(p.z[i])+"\nJSD contribution: "+p.j[i].toPrecision(3)+" "+D.units;}
plot.addEventListener("mousemove",function(ev){var t=ev.target;if(t.tagName!=="circle"){tip.style.display="none";return;}
 tip.textContent=info(+t.dataset.i);tip.style.display="block";tip.style.left=(ev.clientX+14)+"px";
 tip.style.top=(ev.clientY+10)+"px";});
plot.addEventListener("mouseleave",function(){tip.style.display="none";});
plot.addEventListener("click",function(ev){var t=ev.target;if(t.tagName==="circle")show(+t.dataset.i);});
function mark(i,on){var c=dots[i];if(!c)return;
 if(on){c.classList.add("hit");c.setAttribute("r","7");plot.appendChild(c);}
 else{c.classList.remove("hit");c.setAttribute("r","3.2");}}
function show(i){var p=cur;if(picked>=0)mark(picked,false);picked=i;mark(i,true);
 var box=$("kwic");clear(box);var v=p.t[i];box.appendChild(el("h3",null,"\u201c"+D.vocab[v]+"\u201d"));
 box.appendChild(el("p",{"class":"note"},info(i).split("\n").slice(1).join("; ")));
 var want=function(g){return g===p.a||(p.b<0?g!==p.a:g===p.b);};
 var rows=(D.kw[v]||[]).filter(function(r){return want(D.st[r[0]][0]);});
 if(!rows.length)box.appendChild(el("p",{"class":"note"},"No statement of this pair is embedded for this term."));
 rows.forEach(function(r){var s=D.st[r[0]],d=el("div",{"class":"st"});
  d.style.borderLeftColor=s[0]===p.a?"#D55E00":"#0072B2";
  d.appendChild(el("div",{"class":"meta"},[D.groups[s[0]],s[2],s[1],s[3]].filter(function(x){return x;}).join(" \u00b7 ")));
  var q=el("div"),txt=r.length>3?r[3]:s[4],h=r[1],c=D.context;
  if(r.length<=3){if(h<0){txt=txt.slice(0,2*c);}else{var lo=Math.max(0,h-c),hi=Math.min(txt.length,h+r[2]+c);
   txt=(lo>0?"\u2026":"")+txt.slice(lo,hi)+(hi<s[4].length?"\u2026":"");h=h-lo+(lo>0?1:0);}}
  if(h>=0){q.appendChild(document.createTextNode(txt.slice(0,h)));
   q.appendChild(el("mark",null,txt.slice(h,h+r[2])));
   q.appendChild(document.createTextNode(txt.slice(h+r[2])));}
  else q.appendChild(document.createTextNode(txt));d.appendChild(q);box.appendChild(d);});
 var more=D.kn[v];if(more)box.appendChild(el("p",{"class":"note"},more+" statements of the corpus use this term; a seeded sample of at most "+D.per_group+" per group is embedded."));
 Array.prototype.forEach.call(document.querySelectorAll(".terms button"),function(b){
  b.classList.toggle("sel",+b.dataset.i===i);});}
function find(){var q=search.value.trim().toLowerCase(),p=cur,hit=-1;
 if(picked>=0)mark(picked,false);
 if(!q){$("found").textContent="";picked=-1;return;}
 for(var i=0;i<p.t.length;i++){if(D.vocab[p.t[i]]===q){hit=i;break;}}
 if(hit<0)for(i=0;i<p.t.length;i++){if(D.vocab[p.t[i]].indexOf(q)===0){hit=i;break;}}
 if(hit<0){$("found").textContent="not among this pair's terms";picked=-1;return;}
 picked=hit;mark(hit,true);$("found").textContent="found: "+D.vocab[p.t[hit]]+" (Enter shows its statements)";}
search.addEventListener("input",find);
search.addEventListener("keydown",function(ev){if(ev.key==="Enter"&&picked>=0){ev.preventDefault();show(picked);}});
sel.addEventListener("change",draw);scale.addEventListener("change",draw);
function listKeys(ev){var b=ev.target;if(b.tagName!=="BUTTON")return;var li=b.parentNode,n=null;
 if(ev.key==="ArrowDown")n=li.nextElementSibling;else if(ev.key==="ArrowUp")n=li.previousElementSibling;
 if(n){ev.preventDefault();n.firstChild.focus();}}
[0,1].forEach(function(s){var ul=$("list"+s);ul.addEventListener("keydown",listKeys);
 ul.addEventListener("click",function(ev){var b=ev.target;if(b.tagName==="BUTTON")show(+b.dataset.i);});});
if(D.pairs.length){$("explorer-wrap").hidden=false;draw();}
else{$("explorer-wrap").parentNode.appendChild(el("p",{"class":"note"},"No pair of groups has terms to show."));}
})();
